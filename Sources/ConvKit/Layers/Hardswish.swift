import ConvKitKernels

/// Hard swish (Howard et al. 2019, MobileNet v3), `y = x · min(max(0, x + 3), 6) / 6`,
/// element-wise on any shape (PyTorch's `nn.Hardswish`).
public struct Hardswish: ElementwiseLayer {
    public var name: String
    public var kind: String { "Hardswish" }
    public init(_ name: String) { self.name = name }
}

extension Hardswish: ActivationFunction {
    /// f′ = 0 for x < −3, x/3 + ½ for −3 ≤ x ≤ 3, 1 for x > 3 (PyTorch's corners).
    static var activation: ActivationKernel { .hardswish }
}

extension Hardswish: SpecKind {
    static let specType = "hardswish"
    static let specPrefix = "hardswish"
    static var specKeys: [SpecKey<Hardswish>] { [] }
    static func specBlank(named name: String) -> Hardswish { Hardswish(name) }
    static var specExample: (layer: Hardswish, input: Shape) { (Hardswish("hardswish"), [2, 3, 3]) }
}
