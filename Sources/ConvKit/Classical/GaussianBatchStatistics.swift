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

    func visit<E: FeatureElement>(_ values: UnsafeBufferPointer<E>) -> GaussianBatchStatistics {
        let K = classCount, D = featureCount
        let chunks = rowChunks(count: labels.count)
        let x = values.baseAddress!

        // Pass 1: per-chunk class sums and counts, merged in chunk order.
        var partialSums = [Double](repeating: 0, count: chunks.count * K * D)
        var partialCounts = [Int](repeating: 0, count: chunks.count * K)
        labels.withUnsafeBufferPointer { labels in
            partialSums.withUnsafeMutableBufferPointer { sums in
                partialCounts.withUnsafeMutableBufferPointer { counts in
                    parallelFor(chunks.count) { c in
                        let chunkSums = sums.baseAddress! + c * K * D
                        for n in chunks[c] {
                            let k = labels[n]
                            counts[c * K + k] += 1
                            let row = x + n * D, sum = chunkSums + k * D
                            for i in 0..<D { sum[i] += row[i].featureValue }
                        }
                    }
                }
            }
        }
        var counts = [Int](repeating: 0, count: K)
        var means = [Double](repeating: 0, count: K * D)
        for c in 0..<chunks.count {
            for k in 0..<K { counts[k] += partialCounts[c * K + k] }
            for j in 0..<(K * D) { means[j] += partialSums[c * K * D + j] }
        }
        for k in 0..<K where counts[k] > 0 {
            let n = Double(counts[k])
            for i in 0..<D { means[k * D + i] /= n }
        }

        let scatter: [Double]
        if !fullScatter {
            scatter = diagonalScatter(x, means: means, chunks: chunks)
        } else if E.self == UInt8.self {
            scatter = byteScatterMatrix(UnsafeRawPointer(x).assumingMemoryBound(to: UInt8.self), means: means, counts: counts)
        } else {
            scatter = fullScatterMatrix(x, means: means)
        }
        return GaussianBatchStatistics(counts: counts, means: means, scatter: scatter)
    }

    /// Pass 2, diagonal: per-chunk Σ (x_ni − m_ki)² for every class and feature, merged in chunk order.
    private func diagonalScatter<E: FeatureElement>(_ x: UnsafePointer<E>, means: [Double], chunks: [Range<Int>]) -> [Double] {
        let K = classCount, D = featureCount
        var partial = [Double](repeating: 0, count: chunks.count * K * D)
        labels.withUnsafeBufferPointer { labels in
            means.withUnsafeBufferPointer { means in
                partial.withUnsafeMutableBufferPointer { partial in
                    parallelFor(chunks.count) { c in
                        let chunk = partial.baseAddress! + c * K * D
                        for n in chunks[c] {
                            let k = labels[n]
                            let row = x + n * D, mean = means.baseAddress! + k * D, sum = chunk + k * D
                            for i in 0..<D {
                                let d = row[i].featureValue - mean[i]
                                sum[i] += d * d
                            }
                        }
                    }
                }
            }
        }
        var scatter = [Double](repeating: 0, count: K * D)
        for c in 0..<chunks.count {
            for j in 0..<(K * D) { scatter[j] += partial[c * K * D + j] }
        }
        return scatter
    }

    /// Pass 2, full: Σ_n (x_n − m_{y_n})(x_n − m_{y_n})ᵀ as a sum of rank-256 updates. Each block of
    /// rows is centred and converted to Float64 once, into packed panels, then multiplied into the
    /// upper triangle of the (padded) result; the lower triangle is mirrored at the end.
    private func fullScatterMatrix<E: FeatureElement>(_ x: UnsafePointer<E>, means: [Double]) -> [Double] {
        let D = featureCount, Dp = paddedOrder(D), panelCount = Dp / panelWidth
        let blockRows = Self.scatterBlockRows
        var padded = [Double](repeating: 0, count: Dp * Dp)
        var packed = [Double](repeating: 0, count: blockRows * Dp)
        labels.withUnsafeBufferPointer { labels in
            means.withUnsafeBufferPointer { means in
                padded.withUnsafeMutableBufferPointer { c in
                    packed.withUnsafeMutableBufferPointer { packed in
                        for start in stride(from: 0, to: labels.count, by: blockRows) {
                            let depth = min(blockRows, labels.count - start)
                            parallelFor(panelCount) { p in
                                let panel = packed.baseAddress! + p * depth * panelWidth
                                let width = min(panelWidth, D - p * panelWidth)
                                for d in 0..<depth {
                                    let n = start + d
                                    let row = x + n * D + p * panelWidth
                                    let mean = means.baseAddress! + labels[n] * D + p * panelWidth
                                    let target = panel + d * panelWidth
                                    for l in 0..<width { target[l] = row[l].featureValue - mean[l] }
                                    for l in width..<panelWidth { target[l] = 0 }
                                }
                            }
                            symmetricRankUpdate(c.baseAddress!, ldc: Dp, panels: packed.baseAddress!, panelCount: panelCount,
                                                depth: depth, sign: 1)
                        }
                    }
                }
            }
        }
        return symmetricUnpadded(padded, classCorrection: nil)
    }

    /// Pass 2, full, for pixel bytes: W = XᵀX − Σ_k N_k m_k m_kᵀ. XᵀX is summed exactly (integer
    /// products in Float32 blocks of 256 rows, see ``symmetricRankUpdateOfBytes(_:ldc:panels:panelCount:depth:)``,
    /// accumulated in Float64, exact up to 2⁵³), so the only rounding is in the class correction,
    /// relative 1e-16 of XᵀX; and the rank-k updates run at twice the Float64 speed.
    private func byteScatterMatrix(_ x: UnsafePointer<UInt8>, means: [Double], counts: [Int]) -> [Double] {
        let D = featureCount, Dp = paddedOrder(D), panelCount = Dp / panelWidth
        let blockRows = exactByteBlockRows
        var padded = [Double](repeating: 0, count: Dp * Dp)
        var packed = [Float](repeating: 0, count: blockRows * Dp)
        padded.withUnsafeMutableBufferPointer { c in
            packed.withUnsafeMutableBufferPointer { packed in
                for start in stride(from: 0, to: labels.count, by: blockRows) {
                    let depth = min(blockRows, labels.count - start)
                    parallelFor(panelCount) { p in
                        let panel = packed.baseAddress! + p * depth * panelWidth
                        let width = min(panelWidth, D - p * panelWidth)
                        for d in 0..<depth {
                            let row = x + (start + d) * D + p * panelWidth
                            let target = panel + d * panelWidth
                            for l in 0..<width { target[l] = Float(row[l]) }
                            for l in width..<panelWidth { target[l] = 0 }
                        }
                    }
                    symmetricRankUpdateOfBytes(c.baseAddress!, ldc: Dp, panels: packed.baseAddress!, panelCount: panelCount, depth: depth)
                }
            }
        }
        return symmetricUnpadded(padded, classCorrection: (means, counts))
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
