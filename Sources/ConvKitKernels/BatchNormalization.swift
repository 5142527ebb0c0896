// Batch normalization over a batch laid out (N, C, S): statistics per channel over the N·S
// values (S = H·W for BatchNorm2d, 1 for BatchNorm1d). Channels are split into `chunks`
// contiguous ranges run by parallelFor; each channel's work is independent, so results do not
// depend on the split. Sums run in Double, 4 lanes per row of S values (``sumInDouble(_:count:)``),
// rows added in image order.

/// Forward batch normalization: per channel, statistics (when `training`) then
/// x̂ = (x − μ)·invStd with invStd = Float(1/√(σ² + ε)) (computed in Double), and y = γ·x̂ + β.
/// - x, normalized, y: (N, C, S); `normalized` receives x̂, `y` the output (both overwritten).
/// - gamma, beta: (C), or nil for γ = 1, β = 0.
/// - mean, variance: (C) in Double. Training: receive the batch mean and the BIASED batch
///   variance (Σ(x − μ)²/(N·S), the second pass centred on the first pass's mean). Evaluation:
///   read (the running statistics, filled in by the caller).
/// - inverseStd: (C), receives invStd per channel.
/// - chunks: how many channel ranges to split into (≥ 1, at most C); threads: threads to use.
/// No buffer may alias another.
public func batchNormForward(_ x: [Float], batch n: Int, channels c: Int, spatial: Int, training: Bool, epsilon eps: Double,
                             gamma gammas: [Float]?, beta betas: [Float]?, mean: inout [Double], variance: inout [Double],
                             inverseStd: inout [Float], normalized: inout [Float], y: inout [Float], chunks: Int, threads: Int) {
    let count = n * spatial
    precondition(x.count == n * c * spatial && normalized.count == x.count && y.count == x.count
                 && mean.count == c && variance.count == c && inverseStd.count == c, "batchNormForward: buffer sizes")
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            normalized.withUnsafeMutableBufferPointer { ns in
                inverseStd.withUnsafeMutableBufferPointer { inv in
                    mean.withUnsafeMutableBufferPointer { meanp in
                        variance.withUnsafeMutableBufferPointer { varp in
                            let (xp, yp, np) = (xs.baseAddress!, ys.baseAddress!, ns.baseAddress!)
                            parallelFor(chunks: chunks, threads: threads) { chunk in
                                for channel in chunkRange(chunk, of: chunks, count: c) {
                                    if training {
                                        var sum = 0.0
                                        for image in 0..<n { sum += sumInDouble(xp + (image * c + channel) * spatial, count: spatial) }
                                        let mean = sum / Double(count)
                                        var squares = 0.0
                                        for image in 0..<n {
                                            squares += sumOfSquaredDeviations(xp + (image * c + channel) * spatial, count: spatial, center: mean)
                                        }
                                        meanp[channel] = mean
                                        varp[channel] = squares / Double(count)
                                    }
                                    let invStd = Float(1 / (varp[channel] + eps).squareRoot())
                                    inv[channel] = invStd
                                    let g = gammas?[channel] ?? 1, b = betas?[channel] ?? 0
                                    let m = Float(meanp[channel])
                                    for image in 0..<n {
                                        let base = (image * c + channel) * spatial
                                        normalizeAffine(xp + base, normalized: np + base, y: yp + base, count: spatial,
                                                        mean: m, inverseStd: invStd, gamma: g, beta: b)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Backward batch normalization: per channel, Σdy and Σ(dy·x̂) (Double), then dx.
/// With batch statistics (`batchStatistics`, the forward pass ran in training mode):
/// dx = scale·(dy − Σdy/(N·S) − x̂·Σ(dy·x̂)/(N·S)) with scale = γ·invStd (Float) and both means
/// rounded to Float (``normalizeBackward(_:normalized:dx:count:scale:meanDy:meanDyXhat:)``);
/// with running statistics: dx = scale·dy.
/// - dy, normalized (x̂ from the forward pass), dx: (N, C, S); dx is overwritten.
/// - inverseStd: (C) from the forward pass; gamma: (C) or nil for γ = 1.
/// - sumDy, sumDyXhat: (C), receive Σdy (∂L/∂β) and Σ(dy·x̂) (∂L/∂γ) per channel.
/// - chunks, threads: as in ``batchNormForward(_:batch:channels:spatial:training:epsilon:gamma:beta:mean:variance:inverseStd:normalized:y:chunks:threads:)``.
/// No buffer may alias another.
public func batchNormBackward(_ dy: [Float], normalized: [Float], inverseStd: [Float], gamma gammas: [Float]?,
                              batch n: Int, channels c: Int, spatial: Int, batchStatistics trained: Bool,
                              sumDy sumsDy: inout [Double], sumDyXhat sumsDyXhat: inout [Double], dx: inout [Float],
                              chunks: Int, threads: Int) {
    let count = Double(n * spatial)
    precondition(dy.count == n * c * spatial && normalized.count == dy.count && dx.count == dy.count
                 && inverseStd.count == c && sumsDy.count == c && sumsDyXhat.count == c, "batchNormBackward: buffer sizes")
    dy.withUnsafeBufferPointer { dys in
        dx.withUnsafeMutableBufferPointer { dxs in
            normalized.withUnsafeBufferPointer { ns in
                inverseStd.withUnsafeBufferPointer { inv in
                    sumsDy.withUnsafeMutableBufferPointer { sdy in
                        sumsDyXhat.withUnsafeMutableBufferPointer { sdx in
                            let (dyp, dxp, np) = (dys.baseAddress!, dxs.baseAddress!, ns.baseAddress!)
                            parallelFor(chunks: chunks, threads: threads) { chunk in
                                for channel in chunkRange(chunk, of: chunks, count: c) {
                                    var sumDy = 0.0, sumDyXhat = 0.0
                                    for image in 0..<n {
                                        let base = (image * c + channel) * spatial
                                        sumDy += sumInDouble(dyp + base, count: spatial)
                                        sumDyXhat += dotInDouble(dyp + base, np + base, count: spatial)
                                    }
                                    sdy[channel] = sumDy
                                    sdx[channel] = sumDyXhat
                                    let g = gammas?[channel] ?? 1
                                    let scale = g * inv[channel]
                                    let meanDy = Float(sumDy / count), meanDyXhat = Float(sumDyXhat / count)
                                    for image in 0..<n {
                                        let base = (image * c + channel) * spatial
                                        if trained {
                                            normalizeBackward(dyp + base, normalized: np + base, dx: dxp + base, count: spatial,
                                                              scale: scale, meanDy: meanDy, meanDyXhat: meanDyXhat)
                                        } else {
                                            for i in 0..<spatial { dxp[base + i] = scale * dyp[base + i] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
