import ConvKitKernels

/// Rectified linear unit, `y = max(0, x)`, element-wise on any shape.
public struct ReLU: ElementwiseLayer {
    public var name: String
    public var kind: String { "ReLU" }
    public init(_ name: String) { self.name = name }
}

extension ReLU: ActivationFunction, InstantiableLayer {
    static func apply(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        guard let from = x.baseAddress, let to = y.baseAddress else { return }
        reluForward(from, to, count: x.count)
    }
    /// f′ = 1 where y > 0, else 0 (PyTorch's choice of 0 at x = 0).
    static func gradient(_ y: UnsafeBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>) {
        guard let ys = y.baseAddress, let dys = dy.baseAddress, let dxs = dx.baseAddress else { return }
        reluBackward(ys, dys, dxs, count: y.count)
    }
}
