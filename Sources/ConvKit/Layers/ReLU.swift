/// Rectified linear unit, `y = max(0, x)`, element-wise on any shape.
public struct ReLU: ElementwiseLayer {
    public var name: String
    public var kind: String { "ReLU" }
    public init(_ name: String) { self.name = name }
}

extension ReLU: ActivationFunction, InstantiableLayer {
    static func apply(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        for i in x.indices { y[i] = x[i] > 0 ? x[i] : 0 }
    }
    /// f′ = 1 where y > 0, else 0 (PyTorch's choice of 0 at x = 0).
    static func gradient(_ y: UnsafeBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>) {
        for i in y.indices { dx[i] = y[i] > 0 ? dy[i] : 0 }
    }
}
