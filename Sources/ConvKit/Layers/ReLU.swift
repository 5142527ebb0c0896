import ConvKitKernels

/// Rectified linear unit, `y = max(0, x)`, element-wise on any shape.
public struct ReLU: ElementwiseLayer {
    public var name: String
    public var kind: String { "ReLU" }
    public init(_ name: String) { self.name = name }
}

extension ReLU: ActivationFunction {
    /// f′ = 1 where y > 0, else 0 (PyTorch's choice of 0 at x = 0).
    static var activation: ActivationKernel { .relu }
}

extension ReLU: SpecKind {
    static let specType = "relu"
    static let specPrefix = "relu"
    static var specKeys: [SpecKey<ReLU>] { [] }
    static func specBlank(named name: String) -> ReLU { ReLU(name) }
    static var specExample: (layer: ReLU, input: Shape) { (ReLU("relu"), [2, 3, 3]) }
}
