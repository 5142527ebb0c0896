// The two passes of a Gaussian fit over one batch of labelled rows, in the rows' stored type (no
// Float64 copy of the batch): pass 1 sums the rows of each class (→ counts and means), pass 2 sums
// the squared deviations from those means, per class and feature (diagonal) or as the pooled
// D × D scatter matrix (full). Partial sums are kept per chunk of rows and merged in chunk order,
// so the results depend on the chunks the caller chooses, never on the number of cores.

/// Pass 1: N_k and the class means m_k.
/// - values: `N × D` rows (N = `labels.count`), row-major.
/// - labels: class index of each row, each in `0..<classCount` (checked by the caller).
/// - chunks: a split of `0..<N` into contiguous ranges (one parallel task and one partial sum each).
/// - Returns: `counts` (K) and `means` (`K × D` row-major, 0 for classes without rows), summed in
///   Float64 per chunk, then over the chunks in order, then divided by N_k.
public func gaussianClassMeans(_ values: FeatureValues, labels: [Int], classCount: Int, featureCount: Int,
                               chunks: [Range<Int>]) -> (counts: [Int], means: [Double]) {
    precondition(values.count >= labels.count * featureCount, "gaussianClassMeans: fewer values than rows")
    return values.accept(ClassMeans(labels: labels, classCount: classCount, featureCount: featureCount, chunks: chunks))
}

private struct ClassMeans: FeatureValuesVisitor {
    let labels: [Int]
    let classCount: Int
    let featureCount: Int
    let chunks: [Range<Int>]

    func visit<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>) -> (counts: [Int], means: [Double]) {
        let K = classCount, D = featureCount
        let chunks = self.chunks
        guard let x = values.baseAddress else {
            return ([Int](repeating: 0, count: K), [Double](repeating: 0, count: K * D))
        }
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
        return (counts, means)
    }
}

/// Pass 2, diagonal: Σ_{n: y_n = k} (x_ni − m_ki)², `K × D` row-major, summed per chunk and merged
/// in chunk order. `means` is `K × D` (from ``gaussianClassMeans(_:labels:classCount:featureCount:chunks:)``);
/// the other arguments as there.
public func gaussianDiagonalScatter(_ values: FeatureValues, labels: [Int], means: [Double], classCount: Int,
                                    featureCount: Int, chunks: [Range<Int>]) -> [Double] {
    precondition(values.count >= labels.count * featureCount && means.count == classCount * featureCount,
                 "gaussianDiagonalScatter: sizes do not match")
    return values.accept(DiagonalScatter(labels: labels, means: means, classCount: classCount,
                                         featureCount: featureCount, chunks: chunks))
}

private struct DiagonalScatter: FeatureValuesVisitor {
    let labels: [Int]
    let means: [Double]
    let classCount: Int
    let featureCount: Int
    let chunks: [Range<Int>]

    func visit<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>) -> [Double] {
        let K = classCount, D = featureCount
        let chunks = self.chunks
        guard let x = values.baseAddress else { return [Double](repeating: 0, count: K * D) }
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
}

/// Pass 2, full: Σ_n (x_n − m_{y_n})(x_n − m_{y_n})ᵀ as a sum of rank-`blockRows` updates. Each
/// block of rows is centred and converted to Float64 once, into packed panels, then multiplied
/// into the upper triangle with ``symmetricRankUpdate(_:ldc:panels:panelCount:depth:sign:)``.
/// - Returns: the padded `Dp × Dp` matrix (Dp = ``paddedOrder(_:)`` of D, row-major); only its upper
///   triangle (j ≥ i) within `D × D` is meaningful.
public func gaussianCentredScatterUpper(_ values: FeatureValues, labels: [Int], means: [Double], featureCount: Int,
                                        blockRows: Int) -> [Double] {
    precondition(values.count >= labels.count * featureCount && blockRows > 0, "gaussianCentredScatterUpper: sizes do not match")
    return values.accept(CentredScatter(labels: labels, means: means, featureCount: featureCount, blockRows: blockRows))
}

private struct CentredScatter: FeatureValuesVisitor {
    let labels: [Int]
    let means: [Double]
    let featureCount: Int
    let blockRows: Int

    func visit<E: FeatureScalar>(_ values: UnsafeBufferPointer<E>) -> [Double] {
        let D = featureCount, Dp = paddedOrder(D), panelCount = Dp / panelWidth
        let blockRows = self.blockRows
        var padded = [Double](repeating: 0, count: Dp * Dp)
        guard let x = values.baseAddress else { return padded }
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
        return padded
    }
}

/// XᵀX for `rowCount` rows of `featureCount` pixel bytes, summed exactly: blocks of
/// ``exactByteBlockRows`` rows are packed as Float32 panels and multiplied with
/// ``symmetricRankUpdateOfBytes(_:ldc:panels:panelCount:depth:)`` (integer products, exact in
/// Float32 per block), accumulated in Float64 (exact up to 2⁵³).
/// - Returns: the padded `Dp × Dp` matrix (Dp = ``paddedOrder(_:)`` of D, row-major); only its upper
///   triangle (j ≥ i) within `D × D` is meaningful.
public func byteGramUpper(_ bytes: [UInt8], rowCount: Int, featureCount: Int) -> [Double] {
    precondition(bytes.count >= rowCount * featureCount, "byteGramUpper: fewer bytes than rows")
    let D = featureCount, Dp = paddedOrder(D), panelCount = Dp / panelWidth
    let blockRows = exactByteBlockRows
    var padded = [Double](repeating: 0, count: Dp * Dp)
    var packed = [Float](repeating: 0, count: blockRows * Dp)
    bytes.withUnsafeBufferPointer { bytes in
        padded.withUnsafeMutableBufferPointer { c in
            packed.withUnsafeMutableBufferPointer { packed in
                guard let x = bytes.baseAddress else { return }
                for start in stride(from: 0, to: rowCount, by: blockRows) {
                    let depth = min(blockRows, rowCount - start)
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
    }
    return padded
}
