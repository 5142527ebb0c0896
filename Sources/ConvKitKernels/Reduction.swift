// Small vector helpers over contiguous floats, written with SIMD8 so that they vectorise
// (a plain `sum += x[i]` loop cannot: Swift keeps float additions in order).

/// Σ x[0..<count], summed in 8 interleaved lanes (lane l takes i ≡ l mod 8), the lanes then
/// added pairwise, the tail last. Deterministic: the order depends only on `count`.
public func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i &+ 8 <= count {
        lanes += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    let half = lanes.lowHalf + lanes.highHalf
    let quarter = half.lowHalf + half.highHalf
    var total = quarter[0] + quarter[1]
    while i < count {
        total += x[i]
        i &+= 1
    }
    return total
}

/// x[0..<count] += value.
public func addScalar(_ value: Float, to x: UnsafeMutablePointer<Float>, count: Int) {
    let raw = UnsafeMutableRawPointer(x)
    let splat = SIMD8<Float>(repeating: value)
    var i = 0
    while i &+ 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) + splat
        raw.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        x[i] += value
        i &+= 1
    }
}
