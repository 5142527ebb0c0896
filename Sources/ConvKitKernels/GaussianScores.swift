// The hot loops of Gaussian prediction, run over the rows in their stored type: class scores
// (linear discriminants, or the per-class quadratic form) and per-row Mahalanobis forms. Each row
// is converted to Float64 once; rows are split into the caller's chunks, one parallel task each,
// and every output element is written by exactly one task, so results do not depend on the cores.

/// Linear class scores s_nk = b_k + w_k·x_n, `N × K` row-major (N = `rowCount`, K = `biases.count`).
/// - values: `N × D` rows; weights: `K × D` row-major; biases: K.
/// - chunks: a split of `0..<N` into contiguous ranges.
/// - Each dot product sums lanes i mod 8 < 4 and ≥ 4 in two SIMD4 accumulators, then the tail.
public func gaussianLinearScores(_ values: FeatureValues, rowCount: Int, featureCount: Int, weights: [Double],
                                 biases: [Double], chunks: [Range<Int>]) -> [Double] {
    precondition(values.count >= rowCount * featureCount && weights.count == biases.count * featureCount,
                 "gaussianLinearScores: sizes do not match")
    return values.accept(ClassScores(rowCount: rowCount, featureCount: featureCount, weights: weights, means: [],
                                     precisions: [], biases: biases, perClass: false, chunks: chunks))
}

/// Per-class quadratic scores s_nk = b_k − ½ Σ_i (x_ni − μ_ki)² p_ki, `N × K` row-major
/// (K = `biases.count`). means and precisions (p = 1/σ²): `K × D` row-major; the rest as in
/// ``gaussianLinearScores(_:rowCount:featureCount:weights:biases:chunks:)``.
public func gaussianQuadraticScores(_ values: FeatureValues, rowCount: Int, featureCount: Int, means: [Double],
                                    precisions: [Double], biases: [Double], chunks: [Range<Int>]) -> [Double] {
    precondition(values.count >= rowCount * featureCount && means.count == biases.count * featureCount
                 && precisions.count == means.count, "gaussianQuadraticScores: sizes do not match")
    return values.accept(ClassScores(rowCount: rowCount, featureCount: featureCount, weights: [], means: means,
                                     precisions: precisions, biases: biases, perClass: true, chunks: chunks))
}

private struct ClassScores: FeatureValuesVisitor {
    let rowCount: Int
    let featureCount: Int
    let weights: [Double]
    let means: [Double]
    let precisions: [Double]
    let biases: [Double]
    let perClass: Bool
    let chunks: [Range<Int>]

    func visit<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>) -> [Double] {
        let K = biases.count, D = featureCount, perClass = self.perClass
        var scores = [Double](repeating: 0, count: rowCount * K)
        scores.withUnsafeMutableBufferPointer { scores in
            weights.withUnsafeBufferPointer { weights in
                means.withUnsafeBufferPointer { means in
                    precisions.withUnsafeBufferPointer { precisions in
                        biases.withUnsafeBufferPointer { biases in
                            forEachRowAsDouble(values, chunks: chunks, featureCount: D) { n, x in
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

/// Per-row diagonal Mahalanobis forms Σ_i (x_ni − c_ni)² p_ni, N values, with c_n = μ_{y_n}
/// (row y_n of `means`, `K × D`) when `labels` are given and c_n = 0 otherwise, and p_n the
/// precision row (1/σ²): row y_n of `precisions` (`K × D`) when `perClassPrecisions`, else its
/// first D values (shared). Per-class precisions need labels. chunks: a split of `0..<N`.
public func gaussianDiagonalForms(_ values: FeatureValues, rowCount: Int, featureCount: Int, means: [Double],
                                  precisions: [Double], labels: [Int]?, perClassPrecisions: Bool,
                                  chunks: [Range<Int>]) -> [Double] {
    precondition(values.count >= rowCount * featureCount && precisions.count >= featureCount
                 && (labels == nil || labels?.count == rowCount) && (!perClassPrecisions || labels != nil),
                 "gaussianDiagonalForms: sizes do not match")
    return values.accept(DiagonalForms(rowCount: rowCount, featureCount: featureCount, means: means, precisions: precisions,
                                       labels: labels, perClass: perClassPrecisions, chunks: chunks))
}

private struct DiagonalForms: FeatureValuesVisitor {
    let rowCount: Int
    let featureCount: Int
    let means: [Double]
    let precisions: [Double]
    let labels: [Int]?
    let perClass: Bool
    let chunks: [Range<Int>]

    func visit<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>) -> [Double] {
        let D = featureCount, labels = self.labels, perClass = self.perClass
        var forms = [Double](repeating: 0, count: rowCount)
        forms.withUnsafeMutableBufferPointer { forms in
            means.withUnsafeBufferPointer { means in
                precisions.withUnsafeBufferPointer { precisions in
                    forEachRowAsDouble(values, chunks: chunks, featureCount: D) { n, x in
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
}

/// Per-row full Mahalanobis forms (x_n − c_n)ᵀ Σ⁻¹ (x_n − c_n) = ‖U⁻ᵀ(x_n − c_n)‖², N values, with
/// c_n = μ_{y_n} (row y_n of `means`, `K × D`) when `labels` are given and 0 otherwise. Rows go
/// through `solver` in blocks of ``MahalanobisSolver/blockRows``, one parallel task per block.
public func gaussianFullForms(_ values: FeatureValues, rowCount: Int, featureCount: Int, means: [Double],
                              labels: [Int]?, solver: MahalanobisSolver) -> [Double] {
    precondition(values.count >= rowCount * featureCount && solver.n == featureCount
                 && (labels == nil || labels?.count == rowCount), "gaussianFullForms: sizes do not match")
    return values.accept(FullForms(rowCount: rowCount, featureCount: featureCount, means: means, labels: labels, solver: solver))
}

private struct FullForms: FeatureValuesVisitor {
    let rowCount: Int
    let featureCount: Int
    let means: [Double]
    let labels: [Int]?
    let solver: MahalanobisSolver

    func visit<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>) -> [Double] {
        let D = featureCount, lda = solver.lda, blockRows = MahalanobisSolver.blockRows
        let rowCount = self.rowCount, labels = self.labels, solver = self.solver
        var forms = [Double](repeating: 0, count: rowCount)
        let blocks = (rowCount + blockRows - 1) / blockRows
        forms.withUnsafeMutableBufferPointer { forms in
            means.withUnsafeBufferPointer { means in
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
