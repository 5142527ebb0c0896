// Single-precision matrix multiply, row-major: C = α·op(A)·op(B) + β·C.
//   op(A): M×K (A is M×K with leading dimension lda, or K×M when transposeA)
//   op(B): K×N (B is K×N with leading dimension ldb, or N×K when transposeB)
//   C:     M×N with leading dimension ldc
// The fast path packs op(A) into 4-row panels and op(B) into 16-column panels (zero-padded)
// per K block, and runs a 4×16 register-tiled micro-kernel with SIMD8 accumulators.

/// Rows of A per micro-kernel tile.
let gemmRows = 4
/// Columns of B per micro-kernel tile.
let gemmColumns = 16
/// Depth of one packed block of K.
let gemmDepthBlock = 256

/// C = α·op(A)·op(B) + β·C (row-major, see file header). Single-threaded.
public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    scale(c, rows: m, columns: n, ldc: ldc, by: beta)
    guard k > 0, alpha != 0 else { return }
    let rowPanels = (m + gemmRows - 1) / gemmRows
    let columnPanels = (n + gemmColumns - 1) / gemmColumns
    let depth = min(k, gemmDepthBlock)
    let packedA = UnsafeMutablePointer<Float>.allocate(capacity: rowPanels * gemmRows * depth)
    let packedB = UnsafeMutablePointer<Float>.allocate(capacity: columnPanels * gemmColumns * depth)
    defer {
        packedA.deallocate()
        packedB.deallocate()
    }
    var k0 = 0
    while k0 < k {
        let kc = min(gemmDepthBlock, k - k0)
        packA(transposeA, a, lda, m: m, k0: k0, kc: kc, into: packedA)
        packB(transposeB, b, ldb, n: n, k0: k0, kc: kc, into: packedB)
        for jp in 0..<columnPanels {
            let panelB = packedB + jp * gemmColumns * kc
            let j0 = jp * gemmColumns
            let nr = min(gemmColumns, n - j0)
            for ip in 0..<rowPanels {
                let i0 = ip * gemmRows
                microKernel(kc: kc, a: packedA + ip * gemmRows * kc, b: panelB, alpha: alpha,
                            c: c + i0 * ldc + j0, ldc: ldc, rows: min(gemmRows, m - i0), columns: nr)
            }
        }
        k0 += kc
    }
}

@inline(__always)
private func scale(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldc: Int, by beta: Float) {
    if beta == 1 { return }
    for i in 0..<rows {
        let row = c + i * ldc
        if beta == 0 {
            row.update(repeating: 0, count: columns)
        } else {
            for j in 0..<columns { row[j] *= beta }
        }
    }
}

/// Packs rows of op(A), depth k0..<k0+kc, as panels of `gemmRows` rows: panel[p][kk][r].
private func packA(_ transposed: Bool, _ a: UnsafePointer<Float>, _ lda: Int, m: Int, k0: Int, kc: Int,
                   into out: UnsafeMutablePointer<Float>) {
    let panels = (m + gemmRows - 1) / gemmRows
    for p in 0..<panels {
        let dst = out + p * gemmRows * kc
        for r in 0..<gemmRows {
            let i = p * gemmRows + r
            if i >= m {
                for kk in 0..<kc { dst[kk &* gemmRows &+ r] = 0 }
            } else if transposed {
                // op(A)[i, k] = A[k, i]
                var src = a + k0 * lda + i
                for kk in 0..<kc {
                    dst[kk &* gemmRows &+ r] = src.pointee
                    src += lda
                }
            } else {
                let src = a + i * lda + k0
                for kk in 0..<kc { dst[kk &* gemmRows &+ r] = src[kk] }
            }
        }
    }
}

/// Packs columns of op(B), depth k0..<k0+kc, as panels of `gemmColumns` columns: panel[p][kk][c].
private func packB(_ transposed: Bool, _ b: UnsafePointer<Float>, _ ldb: Int, n: Int, k0: Int, kc: Int,
                   into out: UnsafeMutablePointer<Float>) {
    let panels = (n + gemmColumns - 1) / gemmColumns
    for p in 0..<panels {
        let dst = out + p * gemmColumns * kc
        let j0 = p * gemmColumns
        let width = min(gemmColumns, n - j0)
        if transposed {
            // op(B)[k, j] = B[j, k]
            for c in 0..<gemmColumns {
                if c < width {
                    let src = b + (j0 + c) * ldb + k0
                    for kk in 0..<kc { dst[kk &* gemmColumns &+ c] = src[kk] }
                } else {
                    for kk in 0..<kc { dst[kk &* gemmColumns &+ c] = 0 }
                }
            }
        } else {
            for kk in 0..<kc {
                let src = b + (k0 + kk) * ldb + j0
                let row = dst + kk * gemmColumns
                if width == gemmColumns {
                    row.update(from: src, count: gemmColumns)
                } else {
                    row.update(from: src, count: width)
                    (row + width).update(repeating: 0, count: gemmColumns - width)
                }
            }
        }
    }
}

/// C[0..<rows, 0..<columns] += α · Apanel(4×kc) · Bpanel(kc×16).
@inline(__always)
private func microKernel(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, alpha: Float,
                         c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
    var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
    var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var pa = a, pb = b
    for _ in 0..<kc {
        let b0 = UnsafeRawPointer(pb).loadUnaligned(as: SIMD8<Float>.self)
        let b1 = UnsafeRawPointer(pb + 8).loadUnaligned(as: SIMD8<Float>.self)
        let a0 = SIMD8<Float>(repeating: pa[0]), a1 = SIMD8<Float>(repeating: pa[1])
        let a2 = SIMD8<Float>(repeating: pa[2]), a3 = SIMD8<Float>(repeating: pa[3])
        c00 += a0 * b0; c01 += a0 * b1
        c10 += a1 * b0; c11 += a1 * b1
        c20 += a2 * b0; c21 += a2 * b1
        c30 += a3 * b0; c31 += a3 * b1
        pa += gemmRows
        pb += gemmColumns
    }
    let scale = SIMD8<Float>(repeating: alpha)
    store(c, c00 * scale, c01 * scale, columns)
    if rows > 1 { store(c + ldc, c10 * scale, c11 * scale, columns) }
    if rows > 2 { store(c + 2 * ldc, c20 * scale, c21 * scale, columns) }
    if rows > 3 { store(c + 3 * ldc, c30 * scale, c31 * scale, columns) }
}

/// row[0..<columns] += (lo ++ hi)[0..<columns].
@inline(__always)
private func store(_ row: UnsafeMutablePointer<Float>, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>, _ columns: Int) {
    if columns == gemmColumns {
        let raw = UnsafeMutableRawPointer(row)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + lo, as: SIMD8<Float>.self)
        (raw + 32).storeBytes(of: (raw + 32).loadUnaligned(as: SIMD8<Float>.self) + hi, as: SIMD8<Float>.self)
    } else {
        for j in 0..<columns { row[j] += j < 8 ? lo[j] : hi[j - 8] }
    }
}

/// The naive triple loop with the same contract as ``sgemm``: the reference the fast path is
/// tested against. Accumulates in Double.
public func sgemmReference(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(sum) + old
        }
    }
}
