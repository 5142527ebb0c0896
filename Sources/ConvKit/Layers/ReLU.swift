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
