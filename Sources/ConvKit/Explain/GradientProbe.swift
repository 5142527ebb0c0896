/// A leaf layer wrapped so that its runtime remembers the gradient that reaches its output
/// (∂L/∂y) during backward. Names, shapes, costs and parameters are the wrapped layer's, so a
/// network of probes has the same `state_dict` and initialisation as the plain one.
struct GradientProbe: LeafLayer, InstantiableLayer {
    let wrapped: any LeafLayer & InstantiableLayer

    var name: String { wrapped.name }
    var kind: String { wrapped.kind }
    func outputShape(for input: Shape, path: String) throws -> Shape { try wrapped.outputShape(for: input, path: path) }
    func cost(input: Shape, output: Shape, path: String) throws -> LayerCost { try wrapped.cost(input: input, output: output, path: path) }
    func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        try wrapped.receptiveField(after: field, input: input, path: path)
    }
    func shapeFormula(input: Shape, output: Shape) -> [String] { wrapped.shapeFormula(input: input, output: output) }

    func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        ProbeRuntime(path: path, kind: kind, output: try outputShape(for: input, path: path),
                     inner: try wrapped.makeRuntime(input: input, path: path, random: &random))
    }

    /// `architecture` with every instantiable leaf wrapped in a probe.
    static func wrap(_ architecture: Architecture, input: Shape) throws -> Architecture {
        let (body, _) = try LayerTree.map(architecture.body, input: input, path: "") { site in
            guard let leaf = site.layer as? any LeafLayer & InstantiableLayer else { return nil }
            return [GradientProbe(wrapped: leaf)]
        }
        var probed = architecture
        probed.body = body
        return probed
    }

    /// The probes of an instantiated network, in execution order (branches of a concat in order).
    static func probes(in runtime: any LayerRuntime) -> [ProbeRuntime] {
        switch runtime {
        case let probe as ProbeRuntime: return [probe]
        case let sequential as SequentialRuntime: return sequential.children.flatMap(probes)
        case let concat as ConcatRuntime: return concat.branches.flatMap(probes)
        default: return []
        }
    }
}

/// Runs the wrapped runtime and keeps the last ∂L/∂output it was given.
final class ProbeRuntime: LayerRuntime {
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
}
