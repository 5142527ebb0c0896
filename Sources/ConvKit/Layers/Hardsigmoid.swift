import ConvKitKernels

/// Hard sigmoid, `y = min(max(0, x + 3), 6) / 6`, element-wise on any shape (PyTorch's
/// `nn.Hardsigmoid`; the gate of MobileNet v3's squeeze-and-excitation).
public struct Hardsigmoid: ElementwiseLayer {
    public var name: String
    public var kind: String { "Hardsigmoid" }
    public init(_ name: String) { self.name = name }
}

extension Hardsigmoid: ActivationFunction {
    /// f′ = 1/6 where −3 < x < 3, else 0 (written in terms of the input, as PyTorch's).
    static var activation: ActivationKernel { .hardsigmoid }
}

extension Hardsigmoid: SpecKind {
    static let specType = "hardsigmoid"
    static let specPrefix = "hardsigmoid"
    static var specKeys: [SpecKey<Hardsigmoid>] { [] }
    static func specBlank(named name: String) -> Hardsigmoid { Hardsigmoid(name) }
    static var specExample: (layer: Hardsigmoid, input: Shape) { (Hardsigmoid("hardsigmoid"), [2, 3, 3]) }
}
