import ConvKitKernels
/// Maximum-likelihood statistics of one batch of labelled rows, computed in two passes over the
/// rows in their stored type (no Float64 copy of the batch):
/// pass 1 sums the rows of each class (→ counts N_k and means m_k), pass 2 sums the squared
/// deviations from those means. Summing deviations from the batch's own means, rather than raw
/// squares, keeps the variances accurate when |mean| ≫ standard deviation.
struct GaussianBatchStatistics: Sendable {
    /// N_k, examples of each class in the batch.
    var counts: [Int]
    /// m_k, `K × D` row-major (0 for classes absent from the batch).
    var means: [Double]
    /// Diagonal modes: `K × D`, Σ_{n: y_n = k} (x_ni − m_ki)².
    /// Full mode: `D × D` symmetric, the pooled within-class scatter Σ_n (x_n − m_{y_n})(x_n − m_{y_n})ᵀ.
    var scatter: [Double]
}

/// Computes ``GaussianBatchStatistics`` over a matrix's values in their stored type.
struct GaussianBatchStatisticsVisitor: FeatureMatrixVisitor {
    /// Class index of each row, each in `0..<classCount` (checked by the caller).
    let labels: [Int]
    let classCount: Int
    let featureCount: Int
    /// Whether to accumulate the full `D × D` scatter instead of the per-class diagonal.
    let fullScatter: Bool

    /// Rows per block of the full scatter's rank-k update.
    static let scatterBlockRows = 256

    func visit(_ values: FeatureValues) -> GaussianBatchStatistics {
        let K = classCount, D = featureCount
        let chunks = rowChunks(count: labels.count)
        // Pass 1: per-chunk class sums and counts, merged in chunk order.
        let (counts, means) = gaussianClassMeans(values, labels: labels, classCount: K, featureCount: D, chunks: chunks)

        let scatter: [Double]
        if !fullScatter {
            // Pass 2, diagonal: per-chunk Σ (x_ni − m_ki)² for every class and feature, merged in chunk order.
            scatter = gaussianDiagonalScatter(values, labels: labels, means: means, classCount: K, featureCount: D, chunks: chunks)
        } else if case let .bytes(bytes) = values {
            // Pass 2, full, for pixel bytes: W = XᵀX − Σ_k N_k m_k m_kᵀ. XᵀX is summed exactly (integer
            // products in Float32 blocks of 256 rows, see ``byteGramUpper(_:rowCount:featureCount:)``,
            // accumulated in Float64, exact up to 2⁵³), so the only rounding is in the class correction,
            // relative 1e-16 of XᵀX; and the rank-k updates run at twice the Float64 speed.
            let gram = byteGramUpper(bytes, rowCount: labels.count, featureCount: D)
            scatter = symmetricUnpadded(gram, classCorrection: (means, counts))
        } else {
            // Pass 2, full: Σ_n (x_n − m_{y_n})(x_n − m_{y_n})ᵀ as a sum of rank-256 updates of rows centred
            // and converted to Float64 once per block; the lower triangle is mirrored at the end.
            let centred = gaussianCentredScatterUpper(values, labels: labels, means: means, featureCount: D,
                                                      blockRows: Self.scatterBlockRows)
            scatter = symmetricUnpadded(centred, classCorrection: nil)
        }
        return GaussianBatchStatistics(counts: counts, means: means, scatter: scatter)
    }

    /// The `D × D` symmetric matrix from the upper triangle of a padded one, minus
    /// Σ_k N_k m_k m_kᵀ when a class correction is given.
    private func symmetricUnpadded(_ padded: [Double], classCorrection: (means: [Double], counts: [Int])?) -> [Double] {
        let D = featureCount, Dp = paddedOrder(D)
        let K = classCorrection == nil ? 0 : classCount
        let means = classCorrection?.means ?? [], counts = classCorrection?.counts ?? []
        var scatter = [Double](repeating: 0, count: D * D)
        var weights = [Double](repeating: 0, count: K)
        for i in 0..<D {
            for k in 0..<K { weights[k] = Double(counts[k]) * means[k * D + i] }
            for j in i..<D {
                var v = padded[i * Dp + j]
                for k in 0..<K { v -= weights[k] * means[k * D + j] }
                scatter[i * D + j] = v
                scatter[j * D + i] = v
            }
        }
        return scatter
    }
}
