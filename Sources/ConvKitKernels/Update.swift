// Parameter updates (SGD, Adam), element-wise with SIMD8 (the optimizer's scalar loop does not
// vectorise: the compiler cannot rule out that θ, ∇ and the state buffers overlap).

/// One SGD step over `count` parameters in PyTorch's velocity form, element by element:
/// g = ∇ + λ·θ; with momentum (μ ≠ 0, `velocity` non-nil) v = μ·v + g and g = v, or
/// g + μ·v with Nesterov; then θ = θ − η·g. Each element sees exactly these operations in this
/// order (no fused multiply-add), so the result equals the scalar loop bit for bit.
public func sgdStep(theta: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, velocity: UnsafeMutablePointer<Float>?,
                    count: Int, learningRate: Float, momentum: Float, weightDecay: Float, nesterov: Bool) {
    let (t, gr) = (UnsafeMutableRawPointer(theta), UnsafeRawPointer(gradient))
    let (lr, mu, wd) = (SIMD8<Float>(repeating: learningRate), SIMD8<Float>(repeating: momentum), SIMD8<Float>(repeating: weightDecay))
    var i = 0
    if let velocity {
        let v = UnsafeMutableRawPointer(velocity)
        while i &+ 8 <= count {
            let offset = i &* 4
            let th = t.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            var g = gr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + wd * th
            let vel = mu * v.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + g
            v.storeBytes(of: vel, toByteOffset: offset, as: SIMD8<Float>.self)
            g = nesterov ? g + mu * vel : vel
            t.storeBytes(of: th - lr * g, toByteOffset: offset, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            var g = gradient[i] + weightDecay * theta[i]
            velocity[i] = momentum * velocity[i] + g
            g = nesterov ? g + momentum * velocity[i] : velocity[i]
            theta[i] -= learningRate * g
            i &+= 1
        }
    } else {
        while i &+ 8 <= count {
            let offset = i &* 4
            let th = t.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let g = gr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + wd * th
            t.storeBytes(of: th - lr * g, toByteOffset: offset, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            let g = gradient[i] + weightDecay * theta[i]
            theta[i] -= learningRate * g
            i &+= 1
        }
    }
}

/// One Adam step over `count` parameters, element by element, with the bias corrections folded
/// into two scalars: g = ∇ + λ·θ; m = β1·m + (1−β1)·g; v = β2·v + ((1−β2)·g)·g;
/// θ = θ − (s·m)/(√v/r + ε), where s = `stepSize` = η/(1−β1ᵗ) and r = `rootCorrection2` = √(1−β2ᵗ).
/// Each element sees exactly these operations in this order (no fused multiply-add, 1−β1 and
/// 1−β2 rounded to Float once, as the scalar loop computes them), so the result equals the
/// scalar loop bit for bit. No buffer may alias another.
public func adamStep(theta: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, firstMoment: UnsafeMutablePointer<Float>,
                     secondMoment: UnsafeMutablePointer<Float>, count: Int, stepSize: Float, beta1: Float, beta2: Float,
                     epsilon: Float, rootCorrection2: Float, weightDecay: Float) {
    let (oneMinusBeta1, oneMinusBeta2) = (1 - beta1, 1 - beta2)
    let (t, gr) = (UnsafeMutableRawPointer(theta), UnsafeRawPointer(gradient))
    let (ms, vs) = (UnsafeMutableRawPointer(firstMoment), UnsafeMutableRawPointer(secondMoment))
    let (wd, b1, c1, b2, c2) = (SIMD8<Float>(repeating: weightDecay), SIMD8<Float>(repeating: beta1), SIMD8<Float>(repeating: oneMinusBeta1),
                                SIMD8<Float>(repeating: beta2), SIMD8<Float>(repeating: oneMinusBeta2))
    let (s, r, eps) = (SIMD8<Float>(repeating: stepSize), SIMD8<Float>(repeating: rootCorrection2), SIMD8<Float>(repeating: epsilon))
    var i = 0
    while i &+ 8 <= count {
        let offset = i &* 4
        let th = t.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let g = gr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + wd * th
        let m = b1 * ms.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + c1 * g
        let v = b2 * vs.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + (c2 * g) * g
        ms.storeBytes(of: m, toByteOffset: offset, as: SIMD8<Float>.self)
        vs.storeBytes(of: v, toByteOffset: offset, as: SIMD8<Float>.self)
        t.storeBytes(of: th - (s * m) / (v.squareRoot() / r + eps), toByteOffset: offset, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        let g = gradient[i] + weightDecay * theta[i]
        firstMoment[i] = beta1 * firstMoment[i] + oneMinusBeta1 * g
        secondMoment[i] = beta2 * secondMoment[i] + (oneMinusBeta2 * g) * g
        theta[i] = theta[i] - (stepSize * firstMoment[i]) / (secondMoment[i].squareRoot() / rootCorrection2 + epsilon)
        i &+= 1
    }
}

/// Batch-norm output for one row: x̂ = (x − mean)·invStd and y = γ·x̂ + β, element by element
/// (the same operations as the scalar loop, in SIMD8).
public func normalizeAffine(_ x: UnsafePointer<Float>, normalized: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int,
                            mean: Float, inverseStd: Float, gamma: Float, beta: Float) {
    let (xs, ns, ys) = (UnsafeRawPointer(x), UnsafeMutableRawPointer(normalized), UnsafeMutableRawPointer(y))
    let (m, inv, g, b) = (SIMD8<Float>(repeating: mean), SIMD8<Float>(repeating: inverseStd), SIMD8<Float>(repeating: gamma), SIMD8<Float>(repeating: beta))
    var i = 0
    while i &+ 8 <= count {
        let offset = i &* 4
        let xhat = (xs.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) - m) * inv
        ns.storeBytes(of: xhat, toByteOffset: offset, as: SIMD8<Float>.self)
        ys.storeBytes(of: g * xhat + b, toByteOffset: offset, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        let xhat = (x[i] - mean) * inverseStd
        normalized[i] = xhat
        y[i] = gamma * xhat + beta
        i &+= 1
    }
}

/// Batch-norm input gradient for one row (training statistics):
/// dx = scale·(dy − meanDy − x̂·meanDyXhat), element by element in SIMD8.
public func normalizeBackward(_ dy: UnsafePointer<Float>, normalized: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int,
                              scale: Float, meanDy: Float, meanDyXhat: Float) {
    let (dys, ns, dxs) = (UnsafeRawPointer(dy), UnsafeRawPointer(normalized), UnsafeMutableRawPointer(dx))
    let (s, md, mdx) = (SIMD8<Float>(repeating: scale), SIMD8<Float>(repeating: meanDy), SIMD8<Float>(repeating: meanDyXhat))
    var i = 0
    while i &+ 8 <= count {
        let offset = i &* 4
        let d = dys.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let xhat = ns.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        dxs.storeBytes(of: s * (d - md - xhat * mdx), toByteOffset: offset, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        dx[i] = scale * (dy[i] - meanDy - normalized[i] * meanDyXhat)
        i &+= 1
    }
}

/// One SGD step over a whole parameter, the array entry point of
/// ``sgdStep(theta:gradient:velocity:count:learningRate:momentum:weightDecay:nesterov:)``:
/// theta (`theta.count` elements) is updated from `gradient` (as long) and, when `momentum` ≠ 0,
/// `velocity` (as long; ignored and may be empty when `momentum` = 0). Then, when there is a
/// 0/1 `mask` (as long), θ[i] *= mask[i], keeping absent connections at zero. An empty `theta`
/// is left alone. No buffer may alias another.
public func sgdUpdate(_ theta: inout [Float], gradient: [Float], velocity: inout [Float], mask: [Float]?,
                      learningRate: Float, momentum: Float, weightDecay: Float, nesterov: Bool) {
    let count = theta.count
    precondition(gradient.count == count && (momentum == 0 || velocity.count == count) && (mask.map { $0.count == count } ?? true),
                 "sgdUpdate: buffer sizes")
    velocity.withUnsafeMutableBufferPointer { v in
        theta.withUnsafeMutableBufferPointer { values in
            gradient.withUnsafeBufferPointer { grad in
                guard let th = values.baseAddress, let gr = grad.baseAddress else { return }
                sgdStep(theta: th, gradient: gr, velocity: momentum != 0 ? v.baseAddress : nil, count: count,
                        learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov)
                if let mask { for i in 0..<count { values[i] *= mask[i] } }
            }
        }
    }
}

/// One Adam step over a whole parameter, the array entry point of
/// ``adamStep(theta:gradient:firstMoment:secondMoment:count:stepSize:beta1:beta2:epsilon:rootCorrection2:weightDecay:)``:
/// theta (`theta.count` elements) is updated from `gradient`, `firstMoment` (m) and
/// `secondMoment` (v), all as long, m and v in place. Then, when there is a 0/1 `mask` (as long),
/// θ[i] *= mask[i], keeping absent connections at zero. An empty `theta` is left alone.
public func adamUpdate(_ theta: inout [Float], gradient: [Float], firstMoment: inout [Float], secondMoment: inout [Float], mask: [Float]?,
                       stepSize: Float, beta1: Float, beta2: Float, epsilon: Float, rootCorrection2: Float, weightDecay: Float) {
    let count = theta.count
    precondition(gradient.count == count && firstMoment.count == count && secondMoment.count == count && (mask.map { $0.count == count } ?? true),
                 "adamUpdate: buffer sizes")
    firstMoment.withUnsafeMutableBufferPointer { m in
        secondMoment.withUnsafeMutableBufferPointer { v in
            theta.withUnsafeMutableBufferPointer { values in
                gradient.withUnsafeBufferPointer { grad in
                    guard let th = values.baseAddress, let gr = grad.baseAddress, let mp = m.baseAddress, let vp = v.baseAddress else { return }
                    adamStep(theta: th, gradient: gr, firstMoment: mp, secondMoment: vp, count: count, stepSize: stepSize,
                             beta1: beta1, beta2: beta2, epsilon: epsilon, rootCorrection2: rootCorrection2, weightDecay: weightDecay)
                    if let mask { for i in 0..<count { values[i] *= mask[i] } }
                }
            }
        }
    }
}
