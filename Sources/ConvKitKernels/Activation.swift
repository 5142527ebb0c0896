import ConvKitKernelsC
import Foundation

// Element-wise activations written with SIMD8 selects: the scalar `x > 0 ? x : 0` loop compiles
// to a data-dependent branch per element (mispredicted half the time on activations).

/// y[i] = x[i] > 0 ? x[i] : 0 (NaN and −0 give +0). `x` and `y` may be the same buffer.
public func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let (from, to) = (UnsafeRawPointer(x), UnsafeMutableRawPointer(y))
    let zero = SIMD8<Float>()
    var i = 0
    while i &+ 8 <= count {
        let v = from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        to.storeBytes(of: zero.replacing(with: v, where: v .> zero), toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        y[i] = x[i] > 0 ? x[i] : 0
        i &+= 1
    }
}

/// dx[i] = y[i] > 0 ? dy[i] : 0, the ReLU gradient written in terms of its output `y`.
/// `dx` may be the same buffer as `dy`.
public func reluBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    let (ys, dys, dxs) = (UnsafeRawPointer(y), UnsafeRawPointer(dy), UnsafeMutableRawPointer(dx))
    let zero = SIMD8<Float>()
    var i = 0
    while i &+ 8 <= count {
        let v = ys.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        let g = dys.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        dxs.storeBytes(of: zero.replacing(with: g, where: v .> zero), toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        dx[i] = y[i] > 0 ? dy[i] : 0
        i &+= 1
    }
}

/// y[i] = 1/(1 + e^(−x[i])) for x ≥ 0, else e^x/(1 + e^x) (split by sign so that exp never
/// overflows), with Foundation's Float `exp`. `x` and `y` may be the same buffer.
public func sigmoidForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
        let v = x[i]
        if v >= 0 { y[i] = 1 / (1 + Foundation.exp(-v)) } else { let e = Foundation.exp(v); y[i] = e / (1 + e) }
    }
}

/// dx[i] = dy[i]·y[i]·(1 − y[i]) (left to right), the sigmoid gradient in terms of its output `y`.
/// `dx` may be the same buffer as `dy`.
public func sigmoidBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
}

/// y[i] = tanh(x[i]) with Foundation's Float `tanh`. `x` and `y` may be the same buffer.
public func tanhForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
}

/// dx[i] = dy[i]·(1 − y[i]·y[i]), the tanh gradient in terms of its output `y`.
/// `dx` may be the same buffer as `dy`.
public func tanhBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
}

/// The element-wise activations with a batch entry point.
public enum ActivationKernel: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// ``reluForward(_:_:count:)`` / ``reluBackward(_:_:_:count:)``.
    case relu
    /// ``sigmoidForward(_:_:count:)`` / ``sigmoidBackward(_:_:_:count:)``.
    case sigmoid
    /// ``tanhForward(_:_:count:)`` / ``tanhBackward(_:_:_:count:)``.
    case tanh
    /// GELU with Φ through erf (PyTorch's `approximate='none'`): ``geluForward(_:_:count:tanhApproximation:)``.
    case gelu
    /// GELU with Φ through tanh (PyTorch's `approximate='tanh'`).
    case geluTanh
    /// ``relu6Forward(_:_:count:)`` / ``relu6Backward(_:_:_:count:)``.
    case relu6
    /// ``leakyReluForward(_:_:count:slope:)`` with the slope for x ≤ 0.
    case leakyRelu(slope: Float)
    /// ``hardsigmoidForward(_:_:count:)``.
    case hardsigmoid
    /// ``hardswishForward(_:_:count:)``.
    case hardswish
    /// ``siluForward(_:_:count:)``.
    case silu

    /// One of each (the leaky ReLU with slopes 0.01 and −0.5), for tests that take every kernel.
    public static let allCases: [ActivationKernel] = [.relu, .sigmoid, .tanh, .gelu, .geluTanh, .relu6, .leakyRelu(slope: 0.01),
                                                       .leakyRelu(slope: -0.5), .hardsigmoid, .hardswish, .silu]

    public var description: String {
        switch self {
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .gelu: return "gelu"
        case .geluTanh: return "gelu-tanh"
        case .relu6: return "relu6"
        case let .leakyRelu(slope): return "leakyrelu(\(slope))"
        case .hardsigmoid: return "hardsigmoid"
        case .hardswish: return "hardswish"
        case .silu: return "silu"
        }
    }

    /// Whether the derivative is written in terms of the forward's input rather than its output
    /// (ReLU, ReLU6, sigmoid, tanh, and a leaky ReLU with slope ≥ 0, whose output is positive exactly
    /// where its input is): the buffer ``activationBackward(_:saved:_:dx:chunks:threads:)`` needs.
    public var derivativeReadsInput: Bool {
        switch self {
        case .relu, .sigmoid, .tanh, .relu6: return false
        case let .leakyRelu(slope): return slope < 0
        case .gelu, .geluTanh, .hardsigmoid, .hardswish, .silu: return true
        }
    }
}

/// GELU, y = x·Φ(x), over `count` floats (the C kernel with the best engine; see gelu.c for the
/// erf and exp approximations, within 2e-7 of the exact function near 1). `x` and `y` may be the same buffer.
public func geluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, tanhApproximation: Bool = false) {
    ck_gelu_forward(ck_best_engine(), x, y, count, tanhApproximation)
}

/// dx = dy·GELU′(x) in terms of the forward's input `x`. `dx` may be the same buffer as `dy`.
public func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int,
                         tanhApproximation: Bool = false) {
    ck_gelu_backward(ck_best_engine(), x, dy, dx, count, tanhApproximation)
}

/// ``geluForward(_:_:count:tanhApproximation:)`` with an explicit engine (tests run every engine).
func geluForward(engine: GemmEngine, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, tanhApproximation: Bool) {
    ck_gelu_forward(engine.cValue, x, y, count, tanhApproximation)
}

/// ``geluBackward(_:_:_:count:tanhApproximation:)`` with an explicit engine.
func geluBackward(engine: GemmEngine, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                  count: Int, tanhApproximation: Bool) {
    ck_gelu_backward(engine.cValue, x, dy, dx, count, tanhApproximation)
}

/// y = f(x) element-wise over any layout (`x.count` elements; `y` at least as long, overwritten).
/// The elements are split into `chunks` contiguous ranges run by parallelFor; the result does not
/// depend on the split. `x` and `y` must be different arrays.
public func activationForward(_ activation: ActivationKernel, _ x: [Float], y: inout [Float], chunks: Int, threads: Int) {
    let count = x.count
    precondition(y.count >= count, "activationForward: buffer sizes")
    guard count > 0 else { return }
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            let (xp, yp) = (xs.baseAddress!, ys.baseAddress!)
            parallelFor(chunks: chunks, threads: threads) { chunk in
                let r = chunkRange(chunk, of: chunks, count: count)
                let (from, to) = (xp + r.lowerBound, yp + r.lowerBound)
                switch activation {
                case .relu: reluForward(from, to, count: r.count)
                case .sigmoid: sigmoidForward(from, to, count: r.count)
                case .tanh: tanhForward(from, to, count: r.count)
                case .gelu: geluForward(from, to, count: r.count)
                case .geluTanh: geluForward(from, to, count: r.count, tanhApproximation: true)
                case .relu6: relu6Forward(from, to, count: r.count)
                case let .leakyRelu(slope): leakyReluForward(from, to, count: r.count, slope: slope)
                case .hardsigmoid: hardsigmoidForward(from, to, count: r.count)
                case .hardswish: hardswishForward(from, to, count: r.count)
                case .silu: siluForward(from, to, count: r.count)
                }
            }
        }
    }
}

/// dx = dy·f′, with f′ written in terms of `saved`: the forward's input when
/// ``ActivationKernel/derivativeReadsInput``, else its output (`dy.count` elements; `saved` and
/// `dx` at least as long, dx overwritten). Chunks as in
/// ``activationForward(_:_:y:chunks:threads:)``. `dx` must be a different array from `saved` and `dy`.
public func activationBackward(_ activation: ActivationKernel, saved y: [Float], _ dy: [Float], dx: inout [Float],
                               chunks: Int, threads: Int) {
    let count = dy.count
    precondition(y.count >= count && dx.count >= count, "activationBackward: buffer sizes")
    guard count > 0 else { return }
    y.withUnsafeBufferPointer { ys in
        dy.withUnsafeBufferPointer { dys in
            dx.withUnsafeMutableBufferPointer { dxs in
                let (yp, dyp, dxp) = (ys.baseAddress!, dys.baseAddress!, dxs.baseAddress!)
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    let r = chunkRange(chunk, of: chunks, count: count)
                    let (out, grad, result) = (yp + r.lowerBound, dyp + r.lowerBound, dxp + r.lowerBound)
                    switch activation {
                    case .relu: reluBackward(out, grad, result, count: r.count)
                    case .sigmoid: sigmoidBackward(out, grad, result, count: r.count)
                    case .tanh: tanhBackward(out, grad, result, count: r.count)
                    case .gelu: geluBackward(out, grad, result, count: r.count)
                    case .geluTanh: geluBackward(out, grad, result, count: r.count, tanhApproximation: true)
                    case .relu6: relu6Backward(out, grad, result, count: r.count)
                    case let .leakyRelu(slope): leakyReluBackward(out, grad, result, count: r.count, slope: slope)
                    case .hardsigmoid: hardsigmoidBackward(out, grad, result, count: r.count)
                    case .hardswish: hardswishBackward(out, grad, result, count: r.count)
                    case .silu: siluBackward(out, grad, result, count: r.count)
                    }
                }
            }
        }
    }
}
