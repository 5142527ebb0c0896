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
