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
