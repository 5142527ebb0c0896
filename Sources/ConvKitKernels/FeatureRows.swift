// Feature rows of the classical (Gaussian) models, read in their stored scalar type and converted
// to Float64 one row (or one block of rows) at a time, plus the Float64 row primitives (dot
// products and weighted squares) the Gaussian kernels share.

/// A row-major `rowCount × featureCount` matrix of feature values in the type they came in: row
/// n's feature i is element `n·featureCount + i`. Pixel bytes stay `UInt8` (CIFAR-10's training
/// set is 150 MB, not 1.2 GB of Float64); the kernels read every value as Float64 (`Double(x)`).
/// The sizes travel beside it as plain Ints.
public enum FeatureValues: Sendable {
    /// Pixel bytes 0…255, used as they are.
    case bytes([UInt8])
    /// Float32 values.
    case floats([Float])
    /// Float64 values.
    case doubles([Double])

    /// The number of values (`rowCount · featureCount`).
    public var count: Int {
        switch self {
        case let .bytes(v): v.count
        case let .floats(v): v.count
        case let .doubles(v): v.count
        }
    }
}

/// A scalar a ``FeatureValues`` matrix can hold, read as Float64.
protocol FeatureScalar: Sendable {
    var featureValue: Double { get }
}

extension UInt8: FeatureScalar {
    @inline(__always) var featureValue: Double { Double(self) }
}

extension Float: FeatureScalar {
    @inline(__always) var featureValue: Double { Double(self) }
}

extension Double: FeatureScalar {
    @inline(__always) var featureValue: Double { self }
}

/// A computation over the values in their stored type, so that the hot loops are specialised for
/// `UInt8`, `Float` and `Double` without copying the data.
protocol FeatureValuesVisitor {
    associatedtype Result
    func visit<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>) -> Result
}

extension FeatureValues {
    /// Runs `visitor` over the values (the buffer pointer is taken once, here).
    func accept<V: FeatureValuesVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case let .bytes(v): return v.withUnsafeBufferPointer { visitor.visit($0) }
        case let .floats(v): return v.withUnsafeBufferPointer { visitor.visit($0) }
        case let .doubles(v): return v.withUnsafeBufferPointer { visitor.visit($0) }
        }
    }
}

/// Σ_i a_i b_i with two SIMD accumulators (a fixed summation order, so results are reproducible).
@inline(__always)
func dotProduct(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
    var i = 0
    while i &+ 8 <= n {
        s0 += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Double>.self)
        s1 += UnsafeRawPointer(a + i + 4).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + i + 4).loadUnaligned(as: SIMD4<Double>.self)
        i &+= 8
    }
    var s = (s0 + s1).sum()
    while i < n { s += a[i] * b[i]; i &+= 1 }
    return s
}

/// Σ_i (x_i − c_i)² p_i (`center` nil: c = 0).
@inline(__always)
func weightedSquares(_ x: UnsafePointer<Double>, _ center: UnsafePointer<Double>?, _ p: UnsafePointer<Double>, _ n: Int) -> Double {
    guard let c = center else {
        var s = 0.0
        for i in 0..<n { s += x[i] * x[i] * p[i] }
        return s
    }
    var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
    var i = 0
    while i &+ 8 <= n {
        let d0 = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self) - UnsafeRawPointer(c + i).loadUnaligned(as: SIMD4<Double>.self)
        let d1 = UnsafeRawPointer(x + i + 4).loadUnaligned(as: SIMD4<Double>.self) - UnsafeRawPointer(c + i + 4).loadUnaligned(as: SIMD4<Double>.self)
        s0 += d0 * d0 * UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
        s1 += d1 * d1 * UnsafeRawPointer(p + i + 4).loadUnaligned(as: SIMD4<Double>.self)
        i &+= 8
    }
    var s = (s0 + s1).sum()
    while i < n {
        let d = x[i] - c[i]
        s += d * d * p[i]
        i &+= 1
    }
    return s
}

/// Calls `body(n, x)` for every row n, with x the row converted to Float64 (a scratch buffer per
/// chunk of rows), over `chunks` on all cores; `body` must write only memory that belongs to row n.
func forEachRowAsDouble<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>, chunks: [Range<Int>], featureCount D: Int,
                                          _ body: (Int, UnsafePointer<Double>) -> Void) {
    parallelFor(chunks.count) { c in
        let x = UnsafeMutablePointer<Double>.allocate(capacity: D)
        defer { x.deallocate() }
        for n in chunks[c] {
            let row = values.baseAddress! + n * D
            for i in 0..<D { x[i] = row[i].featureValue }
            body(n, x)
        }
    }
}
