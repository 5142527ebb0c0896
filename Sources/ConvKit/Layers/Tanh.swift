/// Hyperbolic tangent, `y = tanh(x)`, element-wise on any shape.
public struct Tanh: ElementwiseLayer {
    public var name: String
    public var kind: String { "Tanh" }
    public init(_ name: String) { self.name = name }
}

import Foundation

extension Tanh: ActivationFunction, InstantiableLayer {
    static func apply(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        for i in x.indices { y[i] = Foundation.tanh(x[i]) }
    }
    /// f′ = 1 − y².
    static func gradient(_ y: UnsafeBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>) {
        for i in y.indices { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
}
