import ConvKitKernels

/// Sigmoid linear unit (swish), `y = x·σ(x) = x / (1 + e^(−x))`, element-wise on any shape
/// (PyTorch's `nn.SiLU`; EfficientNet's activation).
public struct SiLU: ElementwiseLayer {
    public var name: String
    public var kind: String { "SiLU" }
    public init(_ name: String) { self.name = name }
}

extension SiLU: ActivationFunction {
    /// f′ = σ(x)(1 + x(1 − σ(x))), written in terms of the input.
    static var activation: ActivationKernel { .silu }
}

extension SiLU: SpecKind {
    static let specType = "silu"
    static let specAliases = ["swish"]
    static let specPrefix = "silu"
    static var specKeys: [SpecKey<SiLU>] { [] }
    static func specBlank(named name: String) -> SiLU { SiLU(name) }
    static var specExample: (layer: SiLU, input: Shape) { (SiLU("silu"), [2, 3, 3]) }
}
