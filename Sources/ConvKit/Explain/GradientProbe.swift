/// A leaf layer wrapped so that its runtime remembers the gradient that reaches its output
/// (∂L/∂y) during backward. Names, shapes, costs and parameters are the wrapped layer's, so a
/// network of probes has the same `state_dict` and initialisation as the plain one.
struct GradientProbe: LeafLayer, InstantiableLayer {
    let wrapped: any LeafLayer & InstantiableLayer
    /// The probe's name: the wrapped layer's dotted path in the original graph.
    let name: String

    var kind: String { wrapped.kind }
    func outputShape(for input: Shape, path: String) throws -> Shape { try wrapped.outputShape(for: input, path: path) }
    func cost(input: Shape, output: Shape, path: String) throws -> LayerCost { try wrapped.cost(input: input, output: output, path: path) }
    func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        try wrapped.receptiveField(after: field, input: input, path: path)
    }
    func shapeFormula(input: Shape, output: Shape) -> [String] { wrapped.shapeFormula(input: input, output: output) }
    func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        try wrapped.inputPositions(of: mask, input: input, output: output, path: path)
    }

    func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        ProbeRuntime(path: path, kind: kind, output: try outputShape(for: input, path: path),
                     inner: try wrapped.makeRuntime(input: input, path: path, random: &random))
    }

    /// `architecture` as one flat graph with every node (merges inside blocks included) wrapped in
    /// a probe named by the node's dotted path, so parameter names, initialisation and rows stay
    /// those of the plain network.
    static func wrap(_ architecture: Architecture, input: Shape) throws -> Architecture {
        let graph = try LayerGraph(architecture.body)
        var layers: [any Layer] = []
        var inputs: [String: [String]] = [:]
        for node in graph.nodes {
            if let merge = node.layer as? any MergeLayer {
                layers.append(MergeProbe(wrapped: merge, name: node.path))
            } else if let leaf = node.layer as? any LeafLayer & InstantiableLayer {
                layers.append(GradientProbe(wrapped: leaf, name: node.path))
            } else {
                throw ConvKitError.invalidLayer(layer: node.path, reason: "\(node.layer.kind) cannot be instantiated for training")
            }
            inputs[node.path] = node.inputs.map { $0 == LayerGraph.graphInput ? Sequential.inputName : graph.nodes[$0].path }
        }
        var probed = architecture
        probed.body = Sequential(name: "", layers, inputs: inputs)
        _ = try probed.body.outputShape(for: input, path: "")
        return probed
    }

    /// The probes of an instantiated network, in execution order (branches of a concat in order).
    static func probes(in runtime: any LayerRuntime) -> [ProbeRuntime] {
        switch runtime {
        case let probe as ProbeRuntime: return [probe]
        case let sequential as SequentialRuntime: return sequential.children.flatMap(probes)
        default: return []
        }
    }
}

/// Runs the wrapped runtime and keeps the last ∂L/∂output it was given.
class ProbeRuntime: LayerRuntime {
    let path: String
    let kind: String
    let output: Shape
    let inner: any LayerRuntime
    /// ∂L/∂y of the last backward pass, `[N] + output`.
    private(set) var outputGradient = Tensor(shape: [0])

    init(path: String, kind: String, output: Shape, inner: any LayerRuntime) {
        self.path = path
        self.kind = kind
        self.output = output
        self.inner = inner
    }

    var parameters: [Parameter] { inner.parameters }

    func forward(_ input: Tensor, _ context: inout RunContext) throws -> Tensor { try inner.forward(input, &context) }

    func backward(_ gradient: Tensor, _ context: inout RunContext) throws -> Tensor {
        outputGradient = gradient
        return try inner.backward(gradient, &context)
    }

    /// Keeps `gradient` as the last ∂L/∂y.
    func record(_ gradient: Tensor) { outputGradient = gradient }
}

/// A merge layer wrapped like ``GradientProbe``: its runtime remembers ∂L/∂y.
struct MergeProbe: MergeLayer, InstantiableLayer {
    let wrapped: any MergeLayer
    /// The node's dotted path in the original graph.
    let name: String

    var kind: String { wrapped.kind }
    func outputShape(for inputs: [Shape], path: String) throws -> Shape { try wrapped.outputShape(for: inputs, path: path) }
    func cost(inputs: [Shape], output: Shape, path: String) throws -> LayerCost { try wrapped.cost(inputs: inputs, output: output, path: path) }
    func shapeFormula(inputs: [Shape], output: Shape) -> [String] { wrapped.shapeFormula(inputs: inputs, output: output) }
    func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        try wrapped.receptiveField(after: field, input: input, path: path)
    }
    func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try makeMergeRuntime(inputs: [input], path: path)
    }
    func makeMergeRuntime(inputs: [Shape], path: String) throws -> any MergeRuntime {
        MergeProbeRuntime(path: path, kind: kind, output: try outputShape(for: inputs, path: path),
                          inner: try wrapped.makeMergeRuntime(inputs: inputs, path: path))
    }
}

/// Runs the wrapped merge and keeps the last ∂L/∂output it was given.
final class MergeProbeRuntime: ProbeRuntime, MergeRuntime {
    let merge: any MergeRuntime

    init(path: String, kind: String, output: Shape, inner: any MergeRuntime) {
        merge = inner
        super.init(path: path, kind: kind, output: output, inner: inner)
    }

    func forward(_ inputs: [Tensor], _ context: inout RunContext) throws -> Tensor { try merge.forward(inputs, &context) }

    func backward(merging gradient: Tensor, _ context: inout RunContext) throws -> [Tensor] {
        record(gradient)
        return try merge.backward(merging: gradient, &context)
    }
}
