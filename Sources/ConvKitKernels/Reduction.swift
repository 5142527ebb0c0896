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

/// Σ x[i] in Double, in 4 interleaved lanes (lane l takes i ≡ l mod 4), then (l0 + l1) + (l2 + l3),
/// then the tail. Deterministic: the order depends only on `count`.
public func sumInDouble(_ x: UnsafePointer<Float>, count: Int) -> Double {
    var lanes = SIMD4<Double>()
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i &+ 4 <= count {
        lanes += SIMD4<Double>(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self))
        i &+= 4
    }
    var total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    while i < count {
        total += Double(x[i])
        i &+= 1
    }
    return total
}

/// Σ (x[i] − center)² in Double, lanes as in ``sumInDouble(_:count:)``.
public func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, count: Int, center: Double) -> Double {
    var lanes = SIMD4<Double>()
    let c = SIMD4<Double>(repeating: center)
    var i = 0
    let raw = UnsafeRawPointer(x)
    while i &+ 4 <= count {
        let d = SIMD4<Double>(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)) - c
        lanes += d * d
        i &+= 4
    }
    var total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    while i < count {
        let d = Double(x[i]) - center
        total += d * d
        i &+= 1
    }
    return total
}

/// Σ x[i]·y[i] in Double, lanes as in ``sumInDouble(_:count:)``.
public func dotInDouble(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Double {
    var lanes = SIMD4<Double>()
    var i = 0
    let (rx, ry) = (UnsafeRawPointer(x), UnsafeRawPointer(y))
    while i &+ 4 <= count {
        let a = SIMD4<Double>(rx.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self))
        let b = SIMD4<Double>(ry.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self))
        lanes += a * b
        i &+= 4
    }
    var total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
    while i < count {
        total += Double(x[i]) * Double(y[i])
        i &+= 1
    }
    return total
}
