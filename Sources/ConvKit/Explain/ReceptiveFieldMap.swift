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

    /// Every leaf layer and concat join of `architecture` with its output shape for `input`.
    public static func sites(_ architecture: Architecture, input: Shape) throws -> [Site] {
        var sites: [Site] = []
        func visit(_ layer: any Layer, _ shape: Shape, _ path: String) throws -> Shape {
            if let sequential = layer as? Sequential {
                var shape = shape
                for child in sequential.layers { shape = try visit(child, shape, joinPath(path, child.name)) }
                return shape
            }
            if let concat = layer as? Concat {
                for branch in concat.branches { _ = try visit(branch, shape, joinPath(path, branch.name)) }
                let output = try concat.outputShape(for: shape, path: path)
                sites.append(Site(path: concatName(path), kind: concat.kind, output: output))
                return output
            }
            let output = try layer.outputShape(for: shape, path: path)
            sites.append(Site(path: path, kind: layer.kind, output: output))
            return output
        }
        _ = try visit(architecture.body, input, "")
        return sites
    }

    /// The summary's name for a concat join (`concat` when anonymous).
    static func concatName(_ path: String) -> String { path.isEmpty ? "concat" : path }

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
        var walk = Walk(target: site.path)
        let start = PixelMask(height: height, width: width, pixel: at)
        guard let mask = try walk.sequence(architecture.body, input: input, path: "", from: start) else {
            throw ConvKitError.invalidArgument(name: "--layer", reason: "'\(site.path)' was not found on the walk")
        }
        walk.steps.append(Step(layer: "input", kind: "", shape: input, mask: mask))
        self.layer = site.path
        self.position = at
        self.input = input
        self.steps = walk.steps
    }
}

/// The backward walk: finds the target, then maps masks back through every layer before it.
private struct Walk {
    let target: String
    var steps: [ReceptiveFieldMap.Step] = []

    /// Whether `layer` (at `path`) is or contains the target.
    func contains(_ layer: any Layer, path: String) -> Bool {
        if let sequential = layer as? Sequential {
            return sequential.layers.contains { contains($0, path: joinPath(path, $0.name)) }
        }
        if let concat = layer as? Concat {
            return ReceptiveFieldMap.concatName(path) == target || concat.branches.contains { contains($0, path: joinPath(path, $0.name)) }
        }
        return path == target
    }

    /// If `sequential` contains the target: the input mask of the target's `start` mask.
    mutating func sequence(_ sequential: Sequential, input: Shape, path: String, from start: PixelMask) throws -> PixelMask? {
        var shapes = [input]
        for child in sequential.layers { shapes.append(try child.outputShape(for: shapes[shapes.count - 1], path: joinPath(path, child.name))) }
        guard let index = sequential.layers.firstIndex(where: { contains($0, path: joinPath(path, $0.name)) }) else { return nil }
        let child = sequential.layers[index], childPath = joinPath(path, child.name)
        var mask: PixelMask
        if let nested = child as? Sequential {
            guard let found = try sequence(nested, input: shapes[index], path: childPath, from: start) else { return nil }
            mask = found
        } else if let concat = child as? Concat, ReceptiveFieldMap.concatName(childPath) != target {
            // The target is inside one branch: only that branch matters.
            guard let branch = concat.branches.first(where: { contains($0, path: joinPath(childPath, $0.name)) }),
                  let found = try sequence(branch, input: shapes[index], path: joinPath(childPath, branch.name), from: start) else { return nil }
            mask = found
        } else {
            mask = try back(child, input: shapes[index], output: shapes[index + 1], path: childPath, mask: start)
        }
        for earlier in stride(from: index - 1, through: 0, by: -1) {
            let layer = sequential.layers[earlier]
            mask = try back(layer, input: shapes[earlier], output: shapes[earlier + 1], path: joinPath(path, layer.name), mask: mask)
        }
        return mask
    }

    /// Records `mask` on `layer`'s output and returns the mask on its input.
    mutating func back(_ layer: any Layer, input: Shape, output: Shape, path: String, mask: PixelMask) throws -> PixelMask {
        if let sequential = layer as? Sequential {
            var shapes = [input]
            for child in sequential.layers { shapes.append(try child.outputShape(for: shapes[shapes.count - 1], path: joinPath(path, child.name))) }
            var mask = mask
            for index in sequential.layers.indices.reversed() {
                let child = sequential.layers[index]
                mask = try back(child, input: shapes[index], output: shapes[index + 1], path: joinPath(path, child.name), mask: mask)
            }
            return mask
        }
        steps.append(ReceptiveFieldMap.Step(layer: layer is Concat ? ReceptiveFieldMap.concatName(path) : path, kind: layer.kind,
                                            shape: output, mask: mask))
        if let concat = layer as? Concat {
            var joined: PixelMask?
            for branch in concat.branches {
                let branchMask = try back(branch, input: input, output: output, path: joinPath(path, branch.name), mask: mask)
                joined = joined.map { $0.union(branchMask) } ?? branchMask
            }
            guard let joined else { throw ConvKitError.invalidLayer(layer: path, reason: "concat needs at least one branch") }
            return joined
        }
        guard input.rank == 3 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "expected a C×H×W input on the way to the target, found \(input)")
        }
        let (h, w) = (input.dimensions[1], input.dimensions[2])
        switch layer {
        case let conv as Conv2d:
            return mask.throughWindow(WindowRule(conv.geometry(input: input, output: output)), inputHeight: h, inputWidth: w)
        case let pool as MaxPool2d:
            return mask.throughWindow(WindowRule(pool.window.geometry(input: input, output: output)), inputHeight: h, inputWidth: w)
        case let pool as AvgPool2d:
            return mask.throughWindow(WindowRule(pool.window.geometry(input: input, output: output)), inputHeight: h, inputWidth: w)
        case let sub as Subsampling:
            return mask.throughWindow(WindowRule(kernel: Size2(sub.kernel), stride: Size2(sub.kernel), padding: Size2(0), dilation: Size2(1)),
                                      inputHeight: h, inputWidth: w)
        case is AdaptiveAvgPool2d:
            return mask.throughAdaptivePool(inputHeight: h, inputWidth: w)
        case is any ElementwiseLayer, is BatchNorm, is LocalResponseNorm:
            return mask
        default:
            throw ConvKitError.invalidLayer(layer: path, reason: "the receptive-field walk does not know how \(layer.kind) maps positions")
        }
    }
}
