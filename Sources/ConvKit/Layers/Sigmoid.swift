/// Logistic sigmoid, `y = 1/(1 + e^(−x))`, element-wise on any shape.
public struct Sigmoid: ElementwiseLayer {
    public var name: String
    public var kind: String { "Sigmoid" }
    public init(_ name: String) { self.name = name }
}

import Foundation

extension Sigmoid: ActivationFunction, InstantiableLayer {
    static func apply(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        for i in x.indices {
            // Split by sign so exp never overflows.
            let v = x[i]
            if v >= 0 { y[i] = 1 / (1 + Foundation.exp(-v)) } else { let e = Foundation.exp(v); y[i] = e / (1 + e) }
        }
    }
    /// f′ = y(1 − y).
    static func gradient(_ y: UnsafeBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>) {
        for i in y.indices { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }
}
