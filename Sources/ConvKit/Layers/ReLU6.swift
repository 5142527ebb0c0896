import ConvKitKernels

/// ReLU6, `y = min(max(0, x), 6)`, element-wise on any shape (PyTorch's `nn.ReLU6`; MobileNet v1/v2).
public struct ReLU6: ElementwiseLayer {
    public var name: String
    public var kind: String { "ReLU6" }
    public init(_ name: String) { self.name = name }
}

extension ReLU6: ActivationFunction {
    /// f′ = 1 where 0 < y < 6, else 0 (PyTorch's choice of 0 at both corners).
    static var activation: ActivationKernel { .relu6 }
}

extension ReLU6: SpecKind {
    static let specType = "relu6"
    static let specPrefix = "relu6"
    static var specKeys: [SpecKey<ReLU6>] { [] }
    static func specBlank(named name: String) -> ReLU6 { ReLU6(name) }
    static var specExample: (layer: ReLU6, input: Shape) { (ReLU6("relu6"), [2, 3, 3]) }
}
