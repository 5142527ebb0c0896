import ConvKitKernels

/// The receptive field of one output position of one layer: the input pixels it depends on,
/// found by walking the layers backward from that position.
///
/// Every layer maps a set of positions on its output to the positions of its input it reads:
/// a convolution, pooling or subsampling window reads rows `i·s − p + a·d` (a in 0..<k) of output
/// row i, likewise columns; adaptive pooling its (unequal) windows; element-wise layers,
/// batch norm and local response normalisation the same position; a ``Concat`` the union of its
/// branches. Sets are kept exactly (a dilated kernel leaves holes), clipped to each activation
/// (a tap on the padding reaches no input); the *unclipped* extent follows the same windows
/// without clipping, so its size is the classic receptive-field size.
public struct ReceptiveFieldMap: Sendable {
    /// The field on one activation along the walk.
    public struct Step: Sendable {
        /// The layer whose output this is (dotted path), or `input` for the network input.
        public var layer: String
        /// Its kind (`Conv2d`…), empty for the input.
        public var kind: String
        /// The activation's shape `C×H×W`.
        public var shape: Shape
        /// The positions of that activation that reach the target.
        public var mask: PixelMask
    }

    /// The layer whose output position is explained.
    public let layer: String
    /// The explained position (row, column) on that layer's output.
    public let position: (row: Int, column: Int)
    /// The network input shape.
    public let input: Shape
    /// From the target layer's output back to the network input (last).
    public let steps: [Step]
    /// The input pixels that reach the target (the last step's mask).
    public var inputMask: PixelMask { steps[steps.count - 1].mask }

    /// A layer or concat join whose output can be explained, in execution order.
    public struct Site: Sendable {
        /// Dotted layer name (`concat` for an anonymous join).
        public var path: String
        /// Layer kind.
        public var kind: String
        /// Output shape of one example.
        public var output: Shape
    }

    /// Every node of `architecture`'s graph (leaf layers, adds and concat joins) with its output
    /// shape for `input`, in execution order.
    public static func sites(_ architecture: Architecture, input: Shape) throws -> [Site] {
        let graph = try LayerGraph(architecture.body)
        let shapes = try graph.shapes(for: input)
        return zip(graph.nodes, shapes).map { Site(path: $0.path, kind: $0.layer.kind, output: $1) }
    }

    /// Walks `architecture` (for `input`, its default when `nil`) back from `layer` (default: the
    /// last layer with a `C×H×W` output) at `position` (default: the centre `(⌊(H'−1)/2⌋, ⌊(W'−1)/2⌋)`).
    /// - Throws: ``ConvKitError`` for an unknown or non-spatial layer, or a position outside its output.
    public init(_ architecture: Architecture, input: Shape? = nil, layer: String? = nil, at position: (row: Int, column: Int)? = nil) throws {
        let input = input ?? architecture.input
        guard input.rank == 3 else {
            throw ConvKitError.invalidArgument(name: "--input", reason: "a receptive field needs a C×H×W input, found \(input)")
        }
        let sites = try Self.sites(architecture, input: input)
        let spatial = sites.filter { $0.output.rank == 3 }
        let site: Site
        if let layer {
            guard let found = sites.first(where: { $0.path == layer }) else {
                throw ConvKitError.invalidArgument(name: "--layer", reason: "no layer '\(layer)' in \(architecture.name); layers with a C×H×W output: \(spatial.map(\.path).joined(separator: ", "))")
            }
            guard found.output.rank == 3 else {
                throw ConvKitError.invalidArgument(name: "--layer", reason: "'\(layer)' has output \(found.output), not C×H×W: each of its units sees the whole input; choose one of \(spatial.map(\.path).joined(separator: ", "))")
            }
            site = found
        } else {
            guard let last = spatial.last else {
                throw ConvKitError.invalidArgument(name: "--layer", reason: "\(architecture.name) has no layer with a C×H×W output")
            }
            site = last
        }
        let (height, width) = (site.output.dimensions[1], site.output.dimensions[2])
        let at = position ?? ((height - 1) / 2, (width - 1) / 2)
        guard at.row >= 0, at.row < height, at.column >= 0, at.column < width else {
            throw ConvKitError.invalidArgument(name: "--at", reason: "\(at.row),\(at.column) is outside the \(height)×\(width) output of '\(site.path)': rows 0…\(height - 1), columns 0…\(width - 1)")
        }
        let start = PixelMask(height: height, width: width, pixel: at)
        let graph = try LayerGraph(architecture.body)
        guard let target = graph.nodes.lastIndex(where: { $0.path == site.path }) else {
            throw ConvKitError.invalidArgument(name: "--layer", reason: "'\(site.path)' was not found on the walk")
        }
        let steps = try Self.walk(graph, shapes: try graph.shapes(for: input), input: input, from: target, start: start)
        self.layer = site.path
        self.position = at
        self.input = input
        self.steps = steps
    }

    /// The backward walk over the graph: from the target node's mask, every node before it (in
    /// reverse execution order) that reaches the target maps its output mask to its inputs by its
    /// own rule (``LeafLayer/inputPositions(of:input:output:path:)``; a merge's rule,
    /// ``MergeLayer/inputPositions(of:inputs:output:path:)``, gives one mask per input). Where a tensor feeds several layers, their masks are united.
    static func walk(_ graph: LayerGraph, shapes: [Shape], input: Shape, from target: Int, start: PixelMask) throws -> [Step] {
        var masks = [PixelMask?](repeating: nil, count: graph.nodes.count)
        var inputMask: PixelMask?
        masks[target] = start
        var steps: [Step] = []
        func shape(_ reference: Int) -> Shape { reference == LayerGraph.graphInput ? input : shapes[reference] }
        for index in stride(from: target, through: 0, by: -1) {
            guard let mask = masks[index] else { continue }
            let node = graph.nodes[index]
            steps.append(Step(layer: node.path, kind: node.layer.kind, shape: shapes[index], mask: mask))
            var reads: [PixelMask?] = []
            if let merge = node.layer as? any MergeLayer {
                reads = try merge.inputPositions(of: mask, inputs: node.inputs.map(shape), output: shapes[index], path: node.path)
            } else {
                let before = shape(node.inputs[0])
                guard before.rank == 3 else {
                    throw ConvKitError.invalidLayer(layer: node.path, reason: "expected a C×H×W input on the way to the target, found \(before)")
                }
                reads = [try node.layer.inputPositions(of: mask, input: before, output: shapes[index], path: node.path)]
            }
            for (source, read) in zip(node.inputs, reads) {
                guard let read else { continue }
                if source == LayerGraph.graphInput {
                    inputMask = inputMask.map { $0.union(read) } ?? read
                } else {
                    masks[source] = masks[source].map { $0.union(read) } ?? read
                }
            }
        }
        guard let inputMask else {
            throw ConvKitError.invalidLayer(layer: graph.nodes[target].path, reason: "does not depend on the network input")
        }
        steps.append(Step(layer: "input", kind: "", shape: input, mask: inputMask))
        return steps
    }
}
