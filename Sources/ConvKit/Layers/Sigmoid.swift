import ConvKitKernels

/// Logistic sigmoid, `y = 1/(1 + e^(−x))`, element-wise on any shape.
public struct Sigmoid: ElementwiseLayer {
    public var name: String
    public var kind: String { "Sigmoid" }
    public init(_ name: String) { self.name = name }
}

extension Sigmoid: ActivationFunction {
    /// f′ = y(1 − y); the forward pass splits by sign so exp never overflows.
    static var activation: ActivationKernel { .sigmoid }
}

extension Sigmoid: SpecKind {
    static let specType = "sigmoid"
    static let specPrefix = "sigmoid"
    static var specKeys: [SpecKey<Sigmoid>] { [] }
    static func specBlank(named name: String) -> Sigmoid { Sigmoid(name) }
    static var specExample: (layer: Sigmoid, input: Shape) { (Sigmoid("sigmoid"), [6]) }
}
