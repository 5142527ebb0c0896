// Dense Float64 kernels for the full-covariance Gaussian classifier (linear discriminant analysis):
// a symmetric rank-k update (C += AᵀA, the scatter matrix of a block of rows), a blocked Cholesky
// factorisation A = UᵀU, triangular solves, and batched Mahalanobis norms ‖U⁻ᵀx‖².
//
// Matrices are row-major with a leading dimension `ld` that is a multiple of 8 and at least the
// order n rounded up to 8; the padding must be writable (tiles of 8×8 run over it). The fast paths
// all go through one micro-kernel on "packed panels": a depth × 8 slice of a matrix stored
// contiguously (row d, lane l at offset d·8 + l), so that the inner loop reads two contiguous
// streams. The tests check every fast path against plain loops.

/// Lanes of a packed panel: the width of one micro-tile.
public let panelWidth = 8

/// Rounds `n` up to a multiple of ``panelWidth`` (the leading dimension of padded matrices).
public func paddedOrder(_ n: Int) -> Int { (n + panelWidth - 1) / panelWidth * panelWidth }

/// c[i][j] (i, j < 4, leading dimension ldc) += sign · Σ_d a[d·8 + i] · b[d·8 + j].
@inline(__always)
private func tile4x4(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ depth: Int,
                     _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ sign: Double) {
    var c0 = SIMD4<Double>(), c1 = SIMD4<Double>(), c2 = SIMD4<Double>(), c3 = SIMD4<Double>()
    var pa = a, pb = b
    for _ in 0..<depth {
        let bv = UnsafeRawPointer(pb).loadUnaligned(as: SIMD4<Double>.self)
        c0 += pa[0] * bv
        c1 += pa[1] * bv
        c2 += pa[2] * bv
        c3 += pa[3] * bv
        pa += panelWidth
        pb += panelWidth
    }
    @inline(__always) func add(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD4<Double>.self) + sign * v, as: SIMD4<Double>.self)
    }
    add(c0, c)
    add(c1, c + ldc)
    add(c2, c + 2 &* ldc)
    add(c3, c + 3 &* ldc)
}

/// The 8×8 tile c += sign · aᵀb for two packed panels a, b of `depth` rows each
/// (four 4×4 register blocks: on baseline x86-64 this keeps every accumulator in a register).
@inline(__always)
public func multiplyAddTile(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, depth: Int,
                     _ c: UnsafeMutablePointer<Double>, ldc: Int, sign: Double) {
    tile4x4(a, b, depth, c, ldc, sign)
    tile4x4(a, b + 4, depth, c + 4, ldc, sign)
    tile4x4(a + 4, b, depth, c + 4 &* ldc, ldc, sign)
    tile4x4(a + 4, b + 4, depth, c + 4 &* ldc + 4, ldc, sign)
}

/// C += sign · AᵀA on the tiles on and above the diagonal, where the `depth × 8·panelCount` matrix A
/// is given as `panelCount` consecutive packed panels (panel p holds columns 8p…8p+7).
/// C is `8·panelCount` square, leading dimension `ldc`. Only C's upper triangle is meaningful
/// afterwards. Parallel over tile rows; each C element is summed in the same order on any machine.
public func symmetricRankUpdate(_ c: UnsafeMutablePointer<Double>, ldc: Int, panels: UnsafePointer<Double>,
                         panelCount: Int, depth: Int, sign: Double) {
    let stride = depth * panelWidth
    parallelFor(panelCount) { a in
        let pa = panels + a * stride
        let row = c + a * panelWidth * ldc
        for b in a..<panelCount {
            multiplyAddTile(pa, panels + b * stride, depth: depth, row + b * panelWidth, ldc: ldc, sign: sign)
        }
    }
}

/// Rows per block of ``symmetricRankUpdateOfBytes(_:ldc:panels:panelCount:depth:)``: with byte values,
/// every product is an integer ≤ 255² and 256 of them sum to at most 16,646,400 < 2²⁴, so Float32
/// sums of a block are exact.
public let exactByteBlockRows = 256

/// c[i][j] (i < 4, j < 8) += Σ_d a[d·8 + i] · b[d·8 + j], summed in Float32 (exact for byte values
/// and depth ≤ ``exactByteBlockRows``), then added to the Float64 tile.
@inline(__always)
private func tile4x8Float(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ depth: Int,
                          _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
    var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
    var pa = a, pb = b
    for _ in 0..<depth {
        let bv = UnsafeRawPointer(pb).loadUnaligned(as: SIMD8<Float>.self)
        c0 += pa[0] * bv
        c1 += pa[1] * bv
        c2 += pa[2] * bv
        c3 += pa[3] * bv
        pa += panelWidth
        pb += panelWidth
    }
    @inline(__always) func add(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Double>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Double>.self) + SIMD8<Double>(v), as: SIMD8<Double>.self)
    }
    add(c0, c)
    add(c1, c + ldc)
    add(c2, c + 2 &* ldc)
    add(c3, c + 3 &* ldc)
}

/// C += AᵀA on the tiles on and above the diagonal, like ``symmetricRankUpdate(_:ldc:panels:panelCount:depth:sign:)``,
/// for a matrix A of byte values (0…255) packed as Float32 panels with `depth` ≤ ``exactByteBlockRows``:
/// the products are summed exactly in Float32 (four lanes per SSE instruction, twice Float64's)
/// and then added to the Float64 C.
public func symmetricRankUpdateOfBytes(_ c: UnsafeMutablePointer<Double>, ldc: Int, panels: UnsafePointer<Float>,
                                panelCount: Int, depth: Int) {
    let stride = depth * panelWidth
    parallelFor(panelCount) { a in
        let pa = panels + a * stride
        let row = c + a * panelWidth * ldc
        for b in a..<panelCount {
            let pb = panels + b * stride, tile = row + b * panelWidth
            tile4x8Float(pa, pb, depth, tile, ldc)
            tile4x8Float(pa + 4, pb, depth, tile + 4 &* ldc, ldc)
        }
    }
}

/// Factors the symmetric positive-definite n×n matrix whose upper triangle is in `a`
/// (leading dimension `lda` ≥ ``paddedOrder(_:)`` of n, with `lda` rows) as A = UᵀU, U upper
/// triangular with a positive diagonal, overwriting the upper triangle with U.
/// Blocked right-looking: 64 rows at a time, then one symmetric rank-64 update of the rest.
/// Returns `nil`, or the first row whose pivot was not positive (A not positive definite).
public func choleskyUpper(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int) -> (row: Int, pivot: Double)? {
    let blockRows = 64
    let packed = UnsafeMutablePointer<Double>.allocate(capacity: paddedOrder(n) * blockRows)
    defer { packed.deallocate() }
    var top = 0
    while top < n {
        let bottom = min(top + blockRows, n)
        // Rows top..<bottom of U, over all their columns (right-looking inside the block).
        for r in top..<bottom {
            let row = a + r * lda
            let pivot = row[r]
            guard pivot > 0, pivot.isFinite else { return (r, pivot) }
            let u = pivot.squareRoot()
            row[r] = u
            for j in (r + 1)..<n { row[j] /= u }
            for s in (r + 1)..<bottom {
                let f = row[s], target = a + s * lda
                if f != 0 { for j in s..<n { target[j] -= f * row[j] } }
            }
        }
        // The rest: A22 −= U12ᵀ U12, with U12 = rows top..<bottom, columns bottom..<n.
        let rest = n - bottom
        if rest > 0 {
            let depth = bottom - top
            let panelCount = (rest + panelWidth - 1) / panelWidth
            parallelFor(panelCount) { p in
                let first = bottom + p * panelWidth
                for d in 0..<depth {
                    let source = a + (top + d) * lda, target = packed + (p * depth + d) * panelWidth
                    for l in 0..<panelWidth { target[l] = first + l < n ? source[first + l] : 0 }
                }
            }
            symmetricRankUpdate(a + bottom * lda + bottom, ldc: lda, panels: packed, panelCount: panelCount, depth: depth, sign: -1)
        }
        top = bottom
    }
    return nil
}

/// ``choleskyUpper(_:n:lda:)`` on an array: `a` holds the padded matrix (leading dimension `lda`
/// ≥ ``paddedOrder(_:)`` of n, at least `lda` rows, row-major); its upper triangle is overwritten with U.
/// Returns `nil`, or the first row whose pivot was not positive.
public func choleskyUpper(matrix a: inout [Double], n: Int, lda: Int) -> (row: Int, pivot: Double)? {
    precondition(lda >= paddedOrder(n) && a.count >= lda * lda, "choleskyUpper: the matrix is smaller than lda × lda")
    return a.withUnsafeMutableBufferPointer { choleskyUpper($0.baseAddress!, n: n, lda: lda) }
}

/// Solves UᵀU w = v in place for the n values `v[offset..<offset + n]`: forward substitution with
/// ``solveUpperTransposed(_:n:lda:_:)``, then back substitution with ``solveUpper(_:n:lda:_:)``.
/// `u` holds U (upper triangle, leading dimension `lda`, row-major) as ``choleskyUpper(matrix:n:lda:)`` left it.
public func solveCholesky(_ u: [Double], n: Int, lda: Int, _ v: inout [Double], offset: Int) {
    precondition(n > 0 && u.count >= (n - 1) * lda + n && offset >= 0 && offset + n <= v.count, "solveCholesky: sizes do not match")
    u.withUnsafeBufferPointer { u in
        v.withUnsafeMutableBufferPointer { v in
            let w = v.baseAddress! + offset
            solveUpperTransposed(u.baseAddress!, n: n, lda: lda, w)
            solveUpper(u.baseAddress!, n: n, lda: lda, w)
        }
    }
}

/// Solves Uᵀz = v in place (forward substitution reading the rows of U).
public func solveUpperTransposed(_ u: UnsafePointer<Double>, n: Int, lda: Int, _ v: UnsafeMutablePointer<Double>) {
    for j in 0..<n {
        let row = u + j * lda
        let z = v[j] / row[j]
        v[j] = z
        if z != 0 { for i in (j + 1)..<n { v[i] -= z * row[i] } }
    }
}

/// Solves Uw = z in place (back substitution).
public func solveUpper(_ u: UnsafePointer<Double>, n: Int, lda: Int, _ v: UnsafeMutablePointer<Double>) {
    for j in stride(from: n - 1, through: 0, by: -1) {
        let row = u + j * lda
        var s = v[j]
        for i in (j + 1)..<n { s -= row[i] * v[i] }
        v[j] = s / row[j]
    }
}

/// Squared norms ‖U⁻ᵀx‖² = xᵀΣ⁻¹x for Σ = UᵀU, for blocks of rows at GEMM speed: the forward
/// substitution runs 64 columns at a time, and the update of the remaining columns is a packed
/// matrix product with U's rows (packed once here, shared by all blocks).
public struct MahalanobisSolver: Sendable {
    /// Rows per block: ``squaredNorms(_:rows:into:)`` takes at most this many.
    public static let blockRows = 32
    private static let blockColumns = 64
    public let n: Int
    public let lda: Int
    /// U, upper triangle, leading dimension `lda`.
    private let u: [Double]
    /// For each 64-column block [q0, q1): the panels of U[q0..<q1, q1..<n].
    private let slabs: [Double]
    private let slabOffsets: [Int]

    public init(upper u: [Double], n: Int, lda: Int) {
        self.n = n
        self.lda = lda
        self.u = u
        var offsets: [Int] = []
        var total = 0
        for q0 in stride(from: 0, to: n, by: Self.blockColumns) {
            offsets.append(total)
            let q1 = min(q0 + Self.blockColumns, n)
            total += (q1 - q0) * paddedOrder(n - q1)
        }
        var slabs = [Double](repeating: 0, count: total)
        slabs.withUnsafeMutableBufferPointer { out in
            u.withUnsafeBufferPointer { uu in
                for (b, q0) in stride(from: 0, to: n, by: Self.blockColumns).enumerated() {
                    let q1 = min(q0 + Self.blockColumns, n), depth = q1 - q0
                    for p in 0..<((n - q1 + panelWidth - 1) / panelWidth) {
                        for d in 0..<depth {
                            let target = out.baseAddress! + offsets[b] + (p * depth + d) * panelWidth
                            for l in 0..<panelWidth where q1 + p * panelWidth + l < n {
                                target[l] = uu[(q0 + d) * lda + q1 + p * panelWidth + l]
                            }
                        }
                    }
                }
            }
        }
        self.slabs = slabs
        self.slabOffsets = offsets
    }

    /// Writes ‖U⁻ᵀx_r‖² for the `rows` (≤ ``blockRows``) rows of `x` to `out`. `x` has
    /// ``paddedOrder(_:)`` of `rows` rows of leading dimension `lda`, zero beyond column n and
    /// beyond row `rows`; it is overwritten. `packed` is scratch for ``blockRows`` × 64 values.
    public func squaredNorms(_ x: UnsafeMutablePointer<Double>, rows: Int, packed: UnsafeMutablePointer<Double>,
                      into out: UnsafeMutablePointer<Double>) {
        for r in 0..<rows { out[r] = 0 }
        let rowPanels = (rows + panelWidth - 1) / panelWidth
        u.withUnsafeBufferPointer { uu in
            slabs.withUnsafeBufferPointer { slabs in
                let u = uu.baseAddress!
                for (b, q0) in stride(from: 0, to: n, by: Self.blockColumns).enumerated() {
                    let q1 = min(q0 + Self.blockColumns, n), depth = q1 - q0
                    for q in q0..<q1 {
                        let urow = u + q * lda, pivot = urow[q]
                        for r in 0..<rows {
                            let xr = x + r * lda
                            let z = xr[q] / pivot
                            xr[q] = z
                            out[r] += z * z
                            for j in (q + 1)..<q1 { xr[j] -= z * urow[j] }
                        }
                    }
                    guard q1 < n else { continue }
                    for p in 0..<rowPanels {
                        for d in 0..<depth {
                            let target = packed + (p * depth + d) * panelWidth
                            for l in 0..<panelWidth { target[l] = x[(p * panelWidth + l) * lda + q0 + d] }
                        }
                    }
                    let slab = slabs.baseAddress! + slabOffsets[b]
                    for cp in 0..<((n - q1 + panelWidth - 1) / panelWidth) {
                        for p in 0..<rowPanels {
                            multiplyAddTile(packed + p * depth * panelWidth, slab + cp * depth * panelWidth, depth: depth,
                                            x + p * panelWidth * lda + q1 + cp * panelWidth, ldc: lda, sign: -1)
                        }
                    }
                }
            }
        }
    }
}
