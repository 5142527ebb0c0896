import Foundation

// The activations of MobileNet, EfficientNet and their kin, as PyTorch's CPU kernels write them
// (aten/src/ATen/native/cpu/Activation.cpp): the same operations in the same order, so that the
// outputs agree to the last bit where the functions are piecewise linear. Backward passes are
// written in terms of the forward's input `x` unless said otherwise; each kernel lets `y` (or
// `dx`) be the same buffer as its input.

/// ReLU6, y = min(max(x, 0), 6) (PyTorch's `hardtanh(x, 0, 6)`).
public func relu6Forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = min(max(x[i], 0), 6) }
}

/// dx = dy where 0 < y < 6, else 0: PyTorch's `0 < x < 6`, written in terms of the output `y`
/// (y = x exactly on that interval).
public func relu6Backward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { dx[i] = y[i] > 0 && y[i] < 6 ? dy[i] : 0 }
}

/// Leaky ReLU, y = x > 0 ? x : slope·x.
public func leakyReluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, slope: Float) {
    for i in 0..<count { y[i] = x[i] > 0 ? x[i] : x[i] * slope }
}

/// dx = x > 0 ? dy : dy·slope, with `saved` the input `x`; for slope ≥ 0 the output serves as
/// well (y > 0 exactly when x > 0), which is how ``ActivationKernel/derivativeReadsInput`` uses it.
public func leakyReluBackward(_ saved: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                              count: Int, slope: Float) {
    for i in 0..<count { dx[i] = saved[i] > 0 ? dy[i] : dy[i] * slope }
}

/// Hard sigmoid, y = min(max(x + 3, 0), 6) / 6.
public func hardsigmoidForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = min(max(x[i] + 3, 0), 6) / 6 }
}

/// dx = dy·(1/6) where −3 < x < 3, else 0.
public func hardsigmoidBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    let oneSixth: Float = 1 / 6
    for i in 0..<count { dx[i] = x[i] > -3 && x[i] < 3 ? dy[i] * oneSixth : 0 }
}

/// Hard swish (Howard et al. 2019), y = x · min(max(x + 3, 0), 6) / 6.
public func hardswishForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = x[i] * min(max(x[i] + 3, 0), 6) / 6 }
}

/// dx = 0 for x < −3, dy·(x/3 + ½) for −3 ≤ x ≤ 3, dy for x > 3.
public func hardswishBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
        let v = x[i]
        dx[i] = v < -3 ? 0 : v <= 3 ? dy[i] * (v / 3 + 0.5) : dy[i]
    }
}

/// SiLU (swish, Elfwing et al. 2018; Ramachandran et al. 2017), y = x·σ(x) = x / (1 + e^(−x)),
/// with Foundation's Float `exp` (e^(−x) overflows to +∞ for x < −88.7, giving y = −0, as PyTorch).
public func siluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = x[i] / (1 + Foundation.exp(-x[i])) }
}

/// dx = dy·σ(x)·(1 + x·(1 − σ(x))), σ(x) = 1/(1 + e^(−x)).
public func siluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
        let v = x[i]
        let sigmoid = 1 / (1 + Foundation.exp(-v))
        dx[i] = dy[i] * sigmoid * (1 + v * (1 - sigmoid))
    }
}
