/// A layer with several inputs (`Add`, the join of a `Concat`): a node of the model graph that
/// reads two or more tensors. It names its inputs through ``Sequential/inputs``.
///
/// The single-input requirements of ``LeafLayer`` describe the merge of one input; the graph
/// always calls the multi-input forms.
public protocol MergeLayer: LeafLayer {
    /// The output shape for one example of the given input shapes (in the order the layer names them).
    /// - Throws: ``ConvKitError`` naming `path` when the inputs do not fit together.
    func outputShape(for inputs: [Shape], path: String) throws -> Shape
    /// Exact per-example cost for the given input shapes and output shape.
    func cost(inputs: [Shape], output: Shape, path: String) throws -> LayerCost
    /// The arithmetic behind the output shape, for `--explain`.
    func shapeFormula(inputs: [Shape], output: Shape) -> [String]
    /// The runtime for input shapes `inputs` (per example).
    func makeMergeRuntime(inputs: [Shape], path: String) throws -> any MergeRuntime
    /// Which positions of each input (in order) the output positions in `mask` read; `nil` for an
    /// input whose values are not read (a crop's size reference). Default: the same positions of
    /// every input (add, concat).
    func inputPositions(of mask: PixelMask, inputs: [Shape], output: Shape, path: String) throws -> [PixelMask?]
    /// The receptive field of the output given the inputs' fields. Default: the largest over the
    /// inputs, per axis.
    func receptiveField(merging fields: [ReceptiveField], inputs: [Shape], path: String) throws -> ReceptiveField
    /// The operations outside the MAC convention that other tools count, for these inputs
    /// (``CountedOperation``). Default: none.
    func countedOperations(inputs: [Shape], output: Shape) throws -> [CountedOperation: Count]
}

extension MergeLayer {
    public func outputShape(for input: Shape, path: String) throws -> Shape { try outputShape(for: [input], path: path) }
    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        try cost(inputs: [input], output: output, path: path)
    }
    public func shapeFormula(input: Shape, output: Shape) -> [String] { shapeFormula(inputs: [input], output: output) }
    /// A merge keeps positions: output (i, j) reads (i, j) of every input.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask { mask }
    public func inputPositions(of mask: PixelMask, inputs: [Shape], output: Shape, path: String) throws -> [PixelMask?] {
        inputs.map { _ in mask }
    }
    public func receptiveField(merging fields: [ReceptiveField], inputs: [Shape], path: String) throws -> ReceptiveField {
        fields.dropFirst().reduce(fields[0]) { $0.union($1) }
    }
    public func countedOperations(inputs: [Shape], output: Shape) throws -> [CountedOperation: Count] { [:] }
}

/// An instantiated merge: forward over one tensor per input, backward to one gradient per input.
public protocol MergeRuntime: LayerRuntime {
    /// `inputs[k]` is `[N] + inputShape[k]`; returns `[N] + output`.
    func forward(_ inputs: [Tensor], _ context: inout RunContext) throws -> Tensor
    /// ∂L/∂output to ∂L/∂input for every input, in the same order.
    func backward(merging gradient: Tensor, _ context: inout RunContext) throws -> [Tensor]
}

extension MergeRuntime {
    public func forward(_ input: Tensor, _ context: inout RunContext) throws -> Tensor { try forward([input], &context) }
    public func backward(_ gradient: Tensor, _ context: inout RunContext) throws -> Tensor {
        try backward(merging: gradient, &context)[0]
    }
}

/// A block of layers that expands into graph nodes: a ``Concat`` (branches and their join) or a
/// ``Residual`` (body, shortcut, their sum). Its layer lists are its ``parts``; every walk that
/// keeps the structure (rewrites, spec emission) goes through `parts`, every walk that follows
/// the data (shapes, costs, training, receptive fields) goes through ``expand(into:inputs:path:)``.
public protocol LayerBlock: Layer {
    /// The block's layer lists, in execution order.
    var parts: [Sequential] { get }
    /// The same block with its parts replaced (same count and order).
    func replacingParts(_ parts: [Sequential]) -> Self
    /// The input shape of part `index`, given the block's input and the outputs of the parts before it.
    func inputOfPart(_ index: Int, blockInput: Shape, earlierOutputs: [Shape]) -> Shape
    /// Adds the block's nodes to `graph`, reading `inputs` (node references), and returns the
    /// reference of its output. `path` is the block's dotted name.
    func expand(into graph: inout LayerGraph, inputs: [Int], path: String) throws -> Int
    /// The output shape when the block reads `inputs` (several only for blocks that join named
    /// inputs, like a concat without branches).
    func outputShape(forInputs inputs: [Shape], path: String) throws -> Shape
}

extension LayerBlock {
    public func outputShape(forInputs inputs: [Shape], path: String) throws -> Shape {
        guard inputs.count == 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "\(kind) reads one input, but \(inputs.count) are named")
        }
        return try outputShape(for: inputs[0], path: path)
    }
    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try LayerGraph(block: self, path: path).outputShape(for: input)
    }
    public func analyze(_ state: AnalysisState, path: String, into rows: inout [SummaryRow]) throws -> AnalysisState {
        try LayerGraph(block: self, path: path).analyze(state, into: &rows)
    }
}

/// A model as a directed acyclic graph: leaf layers (nodes) in execution order, each reading the
/// outputs of earlier nodes or the graph input. Built from a ``Sequential`` (plain chains, and
/// layers naming `inputs:`) and the blocks inside it; every data-following walk — shapes, costs
/// and summary rows, training, receptive fields — runs over this one representation.
public struct LayerGraph {
    /// The graph input's reference in ``Node/inputs``.
    public static let graphInput = -1

    /// One leaf layer with the nodes it reads.
    public struct Node {
        /// Dotted layer name, as in summaries and state_dict keys.
        public var path: String
        public var layer: any LeafLayer
        /// Node indices read, in order; ``LayerGraph/graphInput`` for the graph input.
        public var inputs: [Int]
        /// The reference whose shape the summary shows as this row's input (a concat join of
        /// branches shows the block input, as it always has; otherwise the first input).
        public var shownInput: Int
    }

    public private(set) var nodes: [Node] = []
    /// The node whose output is the graph output (``graphInput`` for an empty graph).
    public private(set) var output = LayerGraph.graphInput

    /// The graph of `sequential`, whose layers are named under `path`.
    public init(_ sequential: Sequential, path: String = "") throws {
        output = try add(sequential, path: path, input: Self.graphInput)
    }

    /// The graph of one block on its own.
    init(block: any LayerBlock, path: String) throws {
        output = try block.expand(into: &self, inputs: [Self.graphInput], path: path)
    }

    /// The graph of the nodes inside `layer` named under `path` (a sequential's layers, a block's
    /// expansion), or nil for a leaf: where later layers find the nodes they name by dotted name.
    static func inside(_ layer: any Layer, path: String) throws -> LayerGraph? {
        if let sequential = layer as? Sequential { return try LayerGraph(sequential, path: path) }
        if let block = layer as? any LayerBlock { return try LayerGraph(block: block, path: path) }
        return nil
    }

    /// Appends a leaf node reading `inputs`; returns its reference.
    public mutating func addNode(_ layer: any LeafLayer, path: String, inputs: [Int], shownInput: Int? = nil) -> Int {
        nodes.append(Node(path: path, layer: layer, inputs: inputs, shownInput: shownInput ?? inputs.first ?? Self.graphInput))
        return nodes.count - 1
    }

    /// Appends the layers of `sequential`, named under `path`, reading `input`; returns the
    /// reference of its output (its last layer's, or `input` when it is empty). A layer reads the
    /// layer before it unless ``Sequential/inputs`` names what it reads: earlier layers of the
    /// same list, nodes inside them by dotted name relative to the list (`split.1`), or `input`
    /// (what the list itself reads).
    public mutating func add(_ sequential: Sequential, path: String, input: Int) throws -> Int {
        try sequential.checkUniqueNames(path: path)
        let names = Set(sequential.layers.map(\.name))
        for key in sequential.inputs.keys where !names.contains(key) {
            throw ConvKitError.invalidLayer(layer: joinPath(path, key), reason: "names inputs but there is no such layer in \(path.isEmpty ? "the model" : "'\(path)'")")
        }
        var defined: [String: Int] = [:]
        // Nodes inside earlier blocks, by their dotted names relative to this list (`split.1`, `block.conv1`).
        var inner: [String: Int] = [:]
        let prefix = path.isEmpty ? "" : path + "."
        var previous = input
        for child in sequential.layers {
            let childPath = joinPath(path, child.name)
            var sources = [previous]
            if let named = sequential.inputs[child.name] {
                guard !named.isEmpty else {
                    throw ConvKitError.invalidLayer(layer: childPath, reason: "'inputs' must name at least one layer")
                }
                sources = try named.map { name in
                    if name == Sequential.inputName { return input }
                    if let reference = defined[name] ?? inner[name] { return reference }
                    if names.contains(name) {
                        throw ConvKitError.invalidLayer(layer: childPath, reason: "input '\(name)' is defined later (layers may only read earlier layers: a graph has no cycles)")
                    }
                    let known = ([Sequential.inputName] + defined.keys.sorted()).joined(separator: ", ")
                    throw ConvKitError.invalidLayer(layer: childPath, reason: "unknown input '\(name)' (layers before it: \(known))")
                }
            }
            let output: Int
            let firstNode = nodes.count
            switch child {
            case let nested as Sequential:
                output = try add(nested, path: childPath, input: try single(sources, childPath, child.kind))
            case let block as any LayerBlock:
                output = try block.expand(into: &self, inputs: sources, path: childPath)
            case let merge as any MergeLayer:
                output = addNode(merge, path: childPath.isEmpty ? merge.kind.lowercased() : childPath, inputs: sources)
            case let leaf as any LeafLayer:
                output = addNode(leaf, path: childPath, inputs: [try single(sources, childPath, child.kind)])
            default:
                throw ConvKitError.invalidLayer(layer: childPath, reason: "\(child.kind) is neither a leaf layer, a block nor a sequential")
            }
            for index in firstNode..<nodes.count where nodes[index].path.hasPrefix(prefix) {
                inner[String(nodes[index].path.dropFirst(prefix.count))] = index
            }
            defined[child.name] = output
            previous = output
        }
        return previous
    }

    /// The one source of a layer that reads one input.
    private func single(_ sources: [Int], _ path: String, _ kind: String) throws -> Int {
        guard sources.count == 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "\(kind) reads one input, but \(sources.count) are named; merge them first (add or concat)")
        }
        return sources[0]
    }

    /// The output shape of every node for `input`, checking each layer (index = node).
    public func shapes(for input: Shape) throws -> [Shape] {
        var shapes: [Shape] = []
        shapes.reserveCapacity(nodes.count)
        func shape(_ reference: Int) -> Shape { reference == Self.graphInput ? input : shapes[reference] }
        for node in nodes {
            if let merge = node.layer as? any MergeLayer {
                shapes.append(try merge.outputShape(for: node.inputs.map(shape), path: node.path))
            } else {
                shapes.append(try node.layer.outputShape(for: shape(node.inputs[0]), path: node.path))
            }
        }
        return shapes
    }

    /// The graph's output shape for `input`.
    public func outputShape(for input: Shape) throws -> Shape {
        let all = try shapes(for: input)
        return output == Self.graphInput ? input : all[output]
    }

    /// Appends one summary row per node, in execution order; returns the state of the output.
    /// The receptive field (and jump) at a merge is the merge's rule (the largest over its inputs, per axis, unless it says otherwise).
    public func analyze(_ start: AnalysisState, into rows: inout [SummaryRow]) throws -> AnalysisState {
        var states: [AnalysisState] = []
        states.reserveCapacity(nodes.count)
        func state(_ reference: Int) -> AnalysisState { reference == Self.graphInput ? start : states[reference] }
        for node in nodes {
            if let merge = node.layer as? any MergeLayer {
                let inputs = node.inputs.map(state)
                let shapes = inputs.map(\.shape)
                let output = try merge.outputShape(for: shapes, path: node.path)
                var cost = try merge.cost(inputs: shapes, output: output, path: node.path)
                cost.extraOperations = try merge.countedOperations(inputs: shapes, output: output)
                let field = try merge.receptiveField(merging: inputs.map(\.field), inputs: shapes, path: node.path)
                rows.append(SummaryRow(name: node.path, kind: merge.kind, input: state(node.shownInput).shape, output: output,
                                       cost: cost, field: field, shapeNotes: merge.shapeFormula(inputs: shapes, output: output),
                                       inputs: inputs.map(\.source)))
                states.append(AnalysisState(shape: output, field: field, source: node.path))
            } else {
                _ = try node.layer.analyze(state(node.inputs[0]), path: node.path, into: &rows)
                let row = rows[rows.count - 1]
                states.append(AnalysisState(shape: row.output, field: row.field, source: node.path))
            }
        }
        return state(output)
    }

    /// Folds `visit` over the nodes in execution order with a state that flows like the data:
    /// each node gets the states of its inputs (one per input, in order) and the input shapes,
    /// and returns the state of its output. Returns the state of the graph output.
    func fold<State>(_ initial: State, input: Shape, visit: (any LeafLayer, [State], [Shape], String) throws -> State) throws -> State {
        let shapes = try self.shapes(for: input)
        var states: [State] = []
        for node in nodes {
            let inputs = node.inputs.map { $0 == Self.graphInput ? initial : states[$0] }
            let inputShapes = node.inputs.map { $0 == Self.graphInput ? input : shapes[$0] }
            states.append(try visit(node.layer, inputs, inputShapes, node.path))
        }
        return output == Self.graphInput ? initial : states[output]
    }
}
