import ConvKitKernels

/// Layers run one after another — or, where a layer names ``inputs``, as a directed acyclic
/// graph: a layer reads the output of the layer before it unless `inputs[name]` lists what it
/// reads instead (earlier layers of this list, or ``inputName`` for what the list itself reads).
/// Child names must be unique within it; a child's dotted name is `sequential.child` (the
/// top-level body of a model has an empty name).
public struct Sequential: Layer {
    /// The name that stands for the list's own input in ``inputs``.
    public static let inputName = "input"
    public var name: String
    public var layers: [any Layer]
    /// For each child (by name) that does not read the layer before it, the names it reads.
    public var inputs: [String: [String]]
    public var kind: String { "Sequential" }

    public init(name: String, _ layers: [any Layer], inputs: [String: [String]] = [:]) {
        self.name = name
        self.layers = layers
        self.inputs = inputs
    }

    /// Whether every layer reads the one before it (no ``inputs`` anywhere in this list).
    public var isChain: Bool { inputs.isEmpty }

    /// Throws if two children share a name (their parameters would collide).
    func checkUniqueNames(path: String) throws {
        var seen = Set<String>()
        for layer in layers where !seen.insert(layer.name).inserted {
            throw ConvKitError.invalidLayer(layer: path.isEmpty ? "(model)" : path, reason: "two layers are named '\(layer.name)'")
        }
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try LayerGraph(self, path: path).outputShape(for: input)
    }

    public func analyze(_ state: AnalysisState, path: String, into rows: inout [SummaryRow]) throws -> AnalysisState {
        try LayerGraph(self, path: path).analyze(state, into: &rows)
    }
}

extension Sequential: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try SequentialRuntime(graph: try LayerGraph(self, path: path), input: input, random: &random)
    }
}

/// Runs a ``LayerGraph``: nodes in order forward, in reverse order backward. A node's output is
/// kept only until its last reader has run. Backward sums the gradients that reach a tensor
/// from several readers in the readers' order (first reader first), so a plain chain computes
/// exactly what a loop over its layers computes.
final class SequentialRuntime: LayerRuntime, SavesActivations {
    /// The node runtimes, in execution order (leaf runtimes, or ``MergeRuntime``s for merges).
    let children: [any LayerRuntime]
    /// What each node reads (``LayerGraph/graphInput`` for the graph input).
    let sources: [[Int]]
    /// The node whose output is returned.
    let output: Int
    /// For each node, the last node that reads it (its own index when nothing does).
    private let lastReader: [Int]

    init(graph: LayerGraph, input: Shape, random: inout RandomGenerator) throws {
        let shapes = try graph.shapes(for: input)
        func shape(_ reference: Int) -> Shape { reference == LayerGraph.graphInput ? input : shapes[reference] }
        var children: [any LayerRuntime] = []
        for node in graph.nodes {
            if let merge = node.layer as? any MergeLayer {
                children.append(try merge.makeMergeRuntime(inputs: node.inputs.map(shape), path: node.path))
            } else if let leaf = node.layer as? any InstantiableLayer {
                children.append(try leaf.makeRuntime(input: shape(node.inputs[0]), path: node.path, random: &random))
            } else {
                throw ConvKitError.invalidLayer(layer: node.path, reason: "\(node.layer.kind) cannot be instantiated for training")
            }
        }
        var lastReader = Array(graph.nodes.indices)
        for (index, node) in graph.nodes.enumerated() {
            for source in node.inputs where source != LayerGraph.graphInput { lastReader[source] = index }
        }
        self.children = children
        self.sources = graph.nodes.map(\.inputs)
        self.output = graph.output
        self.lastReader = lastReader
        // An activation that alone reads the node before it is applied by that node where it can.
        var readers = [Int](repeating: 0, count: children.count)
        for node in graph.nodes { for source in node.inputs where source != LayerGraph.graphInput { readers[source] += 1 } }
        for index in children.indices.dropFirst() where sources[index] == [index - 1] && readers[index - 1] == 1 && index - 1 != output {
            if let activation = children[index] as? ActivationRuntime, let producer = children[index - 1] as? any ActivationEpilogue {
                activation.letApply(producer)
            }
        }
    }

    var parameters: [Parameter] { children.flatMap(\.parameters) }

    func releaseSavedActivations() {
        for child in children { (child as? any SavesActivations)?.releaseSavedActivations() }
    }

    /// In evaluation mode, batches larger than this run through all layers in slices of this
    /// many images, so that every layer's activations stay in cache (at batch 1000, LeNet-5's
    /// conv1 output alone is 19 MB). Each image's result does not depend on the slicing.
    static let evaluationSlice = 64
    /// The slices of a batch of `n` images: ``evaluationSlice`` images from each multiple of it.
    static func evaluationSlices(of n: Int) -> [Range<Int>] {
        stride(from: 0, to: n, by: evaluationSlice).map { $0..<min($0 + evaluationSlice, n) }
    }
    private var sliceBuffer = Tensor(shape: [0])
    /// Per node, and for the graph input: where the gradients of several readers are summed.
    private lazy var sumBuffers = [Tensor](repeating: Tensor(shape: [0]), count: children.count)
    private var inputSumBuffer = Tensor(shape: [0])

    func forward(_ input: Tensor, _ context: inout RunContext) throws -> Tensor {
        if !context.training && input.batch > Self.evaluationSlice {
            return try forwardInSlices(input, &context)
        }
        // The previous pass's saved activations are replaced now; dropping them first lets
        // every layer reuse its output buffer in place.
        releaseSavedActivations()
        return try run(input, &context)
    }

    /// One forward pass over the nodes.
    private func run(_ input: Tensor, _ context: inout RunContext) throws -> Tensor {
        guard !children.isEmpty else { return input }
        var outputs = [Tensor?](repeating: nil, count: children.count)
        for index in children.indices {
            let reads = sources[index]
            func value(_ reference: Int) throws -> Tensor {
                if reference == LayerGraph.graphInput { return input }
                guard let tensor = outputs[reference] else {
                    throw ConvKitError.invalidLayer(layer: "node \(index)", reason: "reads a tensor that was already released")
                }
                return tensor
            }
            if let merge = children[index] as? any MergeRuntime {
                outputs[index] = try merge.forward(try reads.map(value), &context)
            } else {
                outputs[index] = try children[index].forward(try value(reads[0]), &context)
            }
            // Drop what no later node reads, so that its buffer can be reused in place.
            for source in reads where source != LayerGraph.graphInput && lastReader[source] == index && source != output {
                outputs[source] = nil
            }
        }
        if output == LayerGraph.graphInput { return input }
        return outputs[output] ?? Tensor(shape: [0])
    }

    /// Evaluation-mode forward pass in slices of ``evaluationSlice`` images. What layers save
    /// for backward then describes the last slice only: backward is for training passes.
    private func forwardInSlices(_ input: Tensor, _ context: inout RunContext) throws -> Tensor {
        let n = input.batch
        let perImage = input.count / max(n, 1)
        let imageShape = Array(input.shape.dropFirst())
        var output = Tensor(shape: [0])
        var outPerImage = 0
        for range in Self.evaluationSlices(of: n) {
            let (start, b) = (range.lowerBound, range.count)
            releaseSavedActivations()
            var slice = reuse(&sliceBuffer, shape: [b] + imageShape)
            // In parallel, split as the layers split a batch: each thread's images start in its own cache.
            copyElements(input.storage, from: start * perImage, into: &slice.storage, at: 0, items: b, itemSize: perImage,
                         threads: context.threads)
            let x = slice
            // Kept for the next slice (the first layer holds it too, until released).
            sliceBuffer = slice
            slice = Tensor(shape: [0])
            let y = try run(x, &context)
            if start == 0 {
                outPerImage = y.count / b
                output = Tensor(shape: [n] + Array(y.shape.dropFirst()))
            }
            copyElements(y.storage, from: 0, into: &output.storage, at: start * outPerImage, count: b * outPerImage)
        }
        releaseSavedActivations()
        return output
    }

    func backward(_ gradient: Tensor, _ context: inout RunContext) throws -> Tensor {
        guard !children.isEmpty else { return gradient }
        let wanted = context.needsInputGradient
        defer { context.needsInputGradient = wanted }
        // Gradients waiting for each node's output, and for the graph input, latest reader first.
        var waiting = [[Tensor]](repeating: [], count: children.count)
        var inputGradients: [Tensor] = []
        func deliver(_ g: Tensor, to reference: Int) {
            if reference == LayerGraph.graphInput { inputGradients.append(g) } else { waiting[reference].append(g) }
        }
        deliver(gradient, to: output)
        for index in children.indices.reversed() {
            guard let g = Self.sum(waiting[index], into: &sumBuffers[index]) else { continue }
            waiting[index] = []
            let reads = sources[index]
            // A node whose inputs are all the graph input computes ∂L/∂input only when asked to.
            context.needsInputGradient = reads.allSatisfy { $0 == LayerGraph.graphInput } ? wanted : true
            if let merge = children[index] as? any MergeRuntime {
                let parts = try merge.backward(merging: g, &context)
                for (source, part) in zip(reads, parts) { deliver(part, to: source) }
            } else {
                deliver(try children[index].backward(g, &context), to: reads[0])
            }
        }
        return Self.sum(inputGradients, into: &inputSumBuffer) ?? Tensor(shape: [0])
    }

    /// The sum of gradients delivered latest reader first, added in reader order (earliest
    /// first), into `buffer` (kept across steps, so a merge costs no allocation per step);
    /// `nil` when none arrived (the node's output reaches no loss). One gradient is returned as is.
    private static func sum(_ gradients: [Tensor], into buffer: inout Tensor) -> Tensor? {
        guard let first = gradients.last else { return nil }
        guard gradients.count > 1 else { return first }
        var total = reuse(&buffer, shape: first.shape)
        copyElements(first.storage, from: 0, into: &total.storage, at: 0, count: first.count)
        for g in gradients.dropLast().reversed() { addElements(g.storage, into: &total.storage) }
        buffer = total
        return total
    }
}

extension Sequential: SpecKind {
    static let specType = "sequential"
    static let specPrefix = "block"
    static func specBlank(named name: String) -> Sequential { Sequential(name: name, []) }
    static var specExample: (layer: Sequential, input: Shape) {
        (Sequential(name: "block", [Conv2d("conv1", 2, 3, kernel: 3, padding: 1), ReLU("relu1")]), [2, 5, 5])
    }
    static var specKeys: [SpecKey<Sequential>] {
        [.layers("layers", \.self, doc: "the layers, run in order (each reads the one before it, or its `inputs`)")]
    }
}
