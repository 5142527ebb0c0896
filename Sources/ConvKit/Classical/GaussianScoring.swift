import ConvKitKernels
// The hot loops of Gaussian prediction, run over the rows in their stored type: class scores
// (linear discriminants, or the per-class quadratic form) and per-row Mahalanobis forms.

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
/// chunk of rows), on all cores; `body` must write only memory that belongs to row n.
func forEachRowAsDouble<E: FeatureElement>(_ values: UnsafeBufferPointer<E>, rowCount: Int, featureCount D: Int,
                                           _ body: (Int, UnsafePointer<Double>) -> Void) {
    let chunks = rowChunks(count: rowCount, minimumRows: 64)
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

/// Class scores s_nk, `N × K`, without the class-independent term q(x) (see ``GaussianDiscriminant``):
/// shared and full-shared: w_k·x + b_k; per-class: b_k − ½ Σ_i (x_i − μ_ki)²/σ_ki² (already complete).
struct GaussianScoreVisitor: FeatureMatrixVisitor {
    let model: GaussianDiscriminant
    let rowCount: Int
    let perClass: Bool

    func visit<E: FeatureElement>(_ values: UnsafeBufferPointer<E>) -> [Double] {
        let K = model.classCount, D = model.featureCount
        var scores = [Double](repeating: 0, count: rowCount * K)
        scores.withUnsafeMutableBufferPointer { scores in
            model.weights.withUnsafeBufferPointer { weights in
                model.means.withUnsafeBufferPointer { means in
                    model.precisions.withUnsafeBufferPointer { precisions in
                        model.biases.withUnsafeBufferPointer { biases in
                            forEachRowAsDouble(values, rowCount: rowCount, featureCount: D) { n, x in
                                let out = scores.baseAddress! + n * K
                                for k in 0..<K {
                                    if perClass {
                                        out[k] = biases[k] - 0.5 * weightedSquares(x, means.baseAddress! + k * D, precisions.baseAddress! + k * D, D)
                                    } else {
                                        out[k] = biases[k] + dotProduct(x, weights.baseAddress! + k * D, D)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return scores
    }
}

/// Per-row Mahalanobis forms (x_n − c_n)ᵀ Σ_n⁻¹ (x_n − c_n), with c_n = μ_{y_n} when `labels` are
/// given and c_n = 0 otherwise (Σ_n = the covariance of class y_n; per-class mode needs labels).
struct GaussianMahalanobisVisitor: FeatureMatrixVisitor {
    let model: GaussianDiscriminant
    let rowCount: Int
    let labels: [Int]?
    /// Per-class mode: the precision row is the row's class's.
    let perClass: Bool

    func visit<E: FeatureElement>(_ values: UnsafeBufferPointer<E>) -> [Double] {
        if let solver = model.solver { return full(values, solver) }
        let D = model.featureCount
        var forms = [Double](repeating: 0, count: rowCount)
        forms.withUnsafeMutableBufferPointer { forms in
            model.means.withUnsafeBufferPointer { means in
                model.precisions.withUnsafeBufferPointer { precisions in
                    forEachRowAsDouble(values, rowCount: rowCount, featureCount: D) { n, x in
                        let k = labels?[n] ?? 0
                        let center = labels == nil ? nil : UnsafePointer(means.baseAddress! + k * D)
                        let precision = precisions.baseAddress! + (perClass ? k * D : 0)
                        forms[n] = weightedSquares(x, center, precision, D)
                    }
                }
            }
        }
        return forms
    }

    /// Full covariance: blocks of rows through ``MahalanobisSolver``.
    private func full<E: FeatureElement>(_ values: UnsafeBufferPointer<E>, _ solver: MahalanobisSolver) -> [Double] {
        let D = model.featureCount, lda = solver.lda, blockRows = MahalanobisSolver.blockRows
        var forms = [Double](repeating: 0, count: rowCount)
        let blocks = (rowCount + blockRows - 1) / blockRows
        forms.withUnsafeMutableBufferPointer { forms in
            model.means.withUnsafeBufferPointer { means in
                parallelFor(blocks) { b in
                    let x = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * lda)
                    let packed = UnsafeMutablePointer<Double>.allocate(capacity: blockRows * 64)
                    defer { x.deallocate(); packed.deallocate() }
                    x.initialize(repeating: 0, count: blockRows * lda)
                    let first = b * blockRows, rows = min(blockRows, rowCount - first)
                    for r in 0..<rows {
                        let row = values.baseAddress! + (first + r) * D, target = x + r * lda
                        if let labels {
                            let mean = means.baseAddress! + labels[first + r] * D
                            for i in 0..<D { target[i] = row[i].featureValue - mean[i] }
                        } else {
                            for i in 0..<D { target[i] = row[i].featureValue }
                        }
                    }
                    solver.squaredNorms(x, rows: rows, packed: packed, into: forms.baseAddress! + first)
                }
            }
        }
        return forms
    }
}
