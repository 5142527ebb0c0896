import ConvKitKernels

/// Hyperbolic tangent, `y = tanh(x)`, element-wise on any shape.
public struct Tanh: ElementwiseLayer {
    public var name: String
    public var kind: String { "Tanh" }
    public init(_ name: String) { self.name = name }
}

extension Tanh: ActivationFunction {
    /// f′ = 1 − y².
    static var activation: ActivationKernel { .tanh }
}

extension Tanh: SpecKind {
    static let specType = "tanh"
    static let specPrefix = "tanh"
    static var specKeys: [SpecKey<Tanh>] { [] }
    static func specBlank(named name: String) -> Tanh { Tanh(name) }
    static var specExample: (layer: Tanh, input: Shape) { (Tanh("tanh"), [2, 4, 4]) }
}
