// Grouped 2-D convolution of a batch by im2col + GEMM, one call per layer pass (forward or
// backward over the whole batch, including its parallelFor), so that the layer side sees arrays
// only and the module boundary costs nothing.
//
// Per image and group g, with K = (C/groups)·kh·kw and P = oh·ow:
//   forward   Y_g (O/groups × P) = W_g (O/groups × K) · col_g (K × P), then + b per channel;
//   backward  dW_g += dY_g · col_gᵀ;  dcol_g = W_gᵀ · dY_g, folded back onto dx with col2im;
//             db += Σ_P dY.
// Images are split into min(threads, N) contiguous chunks, one per parallelFor chunk; per-chunk
// partial gradients are summed in chunk order, so a result depends on the thread count only.

/// The geometry of a grouped convolution (all sizes in elements).
public struct ConvolutionShape: Sendable, Equatable {
    /// The sliding window over ONE group's input channels: `window.channels` = C/groups.
    public var window: WindowGeometry
    /// Channel groups: input and output channels are split evenly between them.
    public var groups: Int
    /// Output channels O (a multiple of `groups`).
    public var outputChannels: Int

    public init(window: WindowGeometry, groups: Int, outputChannels: Int) {
        self.window = window
        self.groups = groups
        self.outputChannels = outputChannels
    }

    /// Input channels C = (C/groups)·groups.
    public var inputChannels: Int { window.channels * groups }
    /// Floats of one column matrix, K·P = (C/groups)·kh·kw · oh·ow.
    public var columnMatrixCount: Int { window.columnRows * window.columnCount }
    /// Floats of the workspace ``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:threads:)``
    /// needs: one column matrix per (image, group) when the columns are kept, else one per chunk.
    public func columnsCount(batch: Int, threads: Int, keepColumns: Bool) -> Int {
        keepColumns ? batch * groups * columnMatrixCount : min(max(threads, 1), batch) * columnMatrixCount
    }
}

/// Grows `buffer` to at least `count` elements (never shrinks; new contents are zero), so that
/// workspaces kept across steps allocate nothing in steady state.
func reserve(_ buffer: inout [Float], _ count: Int) {
    if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
}

/// Forward convolution of a batch.
/// - x: (N, C, H, W); weight: (O, C/groups, kh, kw); bias: (O) or nil; y: (N, O, oh, ow), overwritten.
/// - columns: workspace, grown here to ``ConvolutionShape/columnsCount(batch:threads:keepColumns:)``.
///   With `keepColumns`, the column matrix (K × P) of image i, group g is left at offset
///   (i·groups + g)·K·P for ``convolutionBackward(_:input:weight:_:batch:weightGradient:biasGradient:mask:dx:needsInputGradient:columns:columnsKept:partialWeights:partialBiases:threads:)``.
/// - threads: chunks = min(threads, N) of contiguous images run in parallel; each writes only its
///   images' outputs and its own column matrices. No buffer may alias another.
public func convolutionForward(_ x: [Float], weight: [Float], bias: [Float]?, _ conv: ConvolutionShape, batch n: Int,
                               y: inout [Float], columns: inout [Float], keepColumns keep: Bool, threads: Int) {
    let g = conv.window
    let groups = conv.groups
    let (c, o) = (conv.inputChannels, conv.outputChannels)
    let (k, p) = (g.columnRows, g.columnCount)
    let (og, cg) = (o / groups, c / groups)
    let inPlane = g.height * g.width
    let chunks = min(threads, n)
    precondition(x.count >= n * c * inPlane && y.count >= n * o * p && weight.count >= o * k, "convolutionForward: buffer sizes")
    precondition(bias.map { $0.count >= o } ?? true, "convolutionForward: bias size")
    reserve(&columns, conv.columnsCount(batch: n, threads: threads, keepColumns: keep))
    x.withUnsafeBufferPointer { xs in
        weight.withUnsafeBufferPointer { ws in
            y.withUnsafeMutableBufferPointer { ys in
                columns.withUnsafeMutableBufferPointer { cols in
                    let (xp, wp, yp, colp) = (xs.baseAddress!, ws.baseAddress!, ys.baseAddress!, cols.baseAddress!)
                    let biasValues = bias
                    parallelFor(chunks: chunks, threads: threads) { chunk in
                        for image in chunkRange(chunk, of: chunks, count: n) {
                            for group in 0..<groups {
                                let col = colp + (keep ? image * groups + group : chunk) * k * p
                                im2col(xp + (image * c + group * cg) * inPlane, g, into: col)
                                sgemm(transposeA: false, transposeB: false, m: og, n: p, k: k,
                                      a: wp + group * og * k, lda: k, b: col, ldb: p,
                                      beta: 0, c: yp + (image * o + group * og) * p, ldc: p)
                            }
                            if let biasValues {
                                for channel in 0..<o {
                                    addScalar(biasValues[channel], to: yp + (image * o + channel) * p, count: p)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Backward convolution of a batch: accumulates the parameter gradients and computes dx.
/// - dy: (N, O, oh, ow); x: the forward input (N, C, H, W); weight: (O, C/groups, kh, kw).
/// - weightGradient: (O, C/groups, kh, kw), ADDED to; entries where `mask` (same layout, 0/1)
///   is 0 are then multiplied by 0 (absent connections). biasGradient: (O), added to, or empty
///   for a layer without bias (then never touched).
/// - dx: (N, C, H, W), must be zero on entry (contributions are added with col2im); ignored and
///   may be empty unless `needsInputGradient`.
/// - columns: as left by the forward pass; `columnsKept` says it ran with `keepColumns` on this
///   same input (then its column matrices are reused and, with dx wanted, overwritten by dcol).
///   Otherwise each chunk unfolds its images again into its own column matrix (grown here).
/// - partialWeights/partialBiases: workspaces (grown here) for per-chunk partial gradients when
///   more than one chunk runs (chunks = min(threads, N)); they are summed into the gradients in
///   chunk order, so results are identical for a given thread count. With one chunk, gradients
///   accumulate directly. No buffer may alias another.
public func convolutionBackward(_ dy: [Float], input x: [Float], weight: [Float], _ conv: ConvolutionShape, batch n: Int,
                                weightGradient: inout [Float], biasGradient: inout [Float], mask: [Float]?,
                                dx: inout [Float], needsInputGradient needsInput: Bool,
                                columns: inout [Float], columnsKept: Bool,
                                partialWeights: inout [Float], partialBiases: inout [Float], threads: Int) {
    let g = conv.window
    let groups = conv.groups
    let (c, o) = (conv.inputChannels, conv.outputChannels)
    let (k, p) = (g.columnRows, g.columnCount)
    let (og, cg) = (o / groups, c / groups)
    let inPlane = g.height * g.width
    let chunks = min(threads, n)
    let weightCount = o * k
    let hasBias = !biasGradient.isEmpty
    precondition(x.count >= n * c * inPlane && dy.count >= n * o * p && weight.count >= weightCount
                 && weightGradient.count == weightCount && (!hasBias || biasGradient.count == o)
                 && (!needsInput || dx.count >= n * c * inPlane) && (mask.map { $0.count == weightCount } ?? true),
                 "convolutionBackward: buffer sizes")
    // One chunk accumulates straight into the gradients; several write per-chunk partials
    // that are summed in chunk order below (deterministic for a given thread count).
    let direct = chunks == 1
    let kept = columnsKept && columns.count >= n * groups * k * p
    if !kept { reserve(&columns, chunks * k * p) }
    if !direct {
        reserve(&partialWeights, chunks * weightCount)
        reserve(&partialBiases, chunks * o)
    }
    withGradientTargets(direct: direct, &weightGradient, &biasGradient, &partialWeights, &partialBiases) { gradW, gradB in
        x.withUnsafeBufferPointer { xs in
            dy.withUnsafeBufferPointer { dys in
                weight.withUnsafeBufferPointer { ws in
                    dx.withUnsafeMutableBufferPointer { dxs in
                        columns.withUnsafeMutableBufferPointer { cols in
                            // dx is empty when the input gradient is not needed.
                            let (xp, dyp, wp, dxp, colp) = (xs.baseAddress!, dys.baseAddress!, ws.baseAddress!, dxs.baseAddress, cols.baseAddress!)
                            parallelFor(chunks: chunks, threads: threads) { chunk in
                                let dW = direct ? gradW : gradW + chunk * weightCount
                                let dB = direct ? gradB : gradB + chunk * o
                                let images = chunkRange(chunk, of: chunks, count: n)
                                for image in images {
                                    // Partials start from the chunk's first image; direct gradients accumulate.
                                    let beta: Float = direct || image != images.lowerBound ? 1 : 0
                                    for group in 0..<groups {
                                        let xg = xp + (image * c + group * cg) * inPlane
                                        let dyg = dyp + (image * o + group * og) * p
                                        let col = colp + (kept ? image * groups + group : chunk) * k * p
                                        if !kept { im2col(xg, g, into: col) }
                                        // dW_g (og × k) += dY_g (og × p) · colᵀ (p × k)
                                        sgemm(transposeA: false, transposeB: true, m: og, n: k, k: p,
                                              a: dyg, lda: p, b: col, ldb: p, beta: beta, c: dW + group * og * k, ldc: k)
                                        if needsInput {
                                            // dcol (k × p) = W_gᵀ (k × og) · dY_g (og × p), over the used columns
                                            sgemm(transposeA: true, transposeB: false, m: k, n: p, k: og,
                                                  a: wp + group * og * k, lda: k, b: dyg, ldb: p, beta: 0, c: col, ldc: p)
                                            if let dxp { col2im(col, g, into: dxp + (image * c + group * cg) * inPlane) }
                                        }
                                    }
                                    if hasBias {
                                        for channel in 0..<o {
                                            let total = sum(dyp + (image * o + channel) * p, count: p)
                                            dB[channel] = beta == 0 ? total : dB[channel] + total
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
    if direct {
        applyMask(mask, to: &weightGradient)
    } else {
        accumulate(partialWeights, chunks: chunks, into: &weightGradient, mask: mask)
        if hasBias { accumulate(partialBiases, chunks: chunks, into: &biasGradient, mask: nil) }
    }
}

/// Calls `body` with the weight and bias gradient storage (`direct`) or the partial buffers.
/// Without a bias, the bias pointer is a dummy that is never written.
private func withGradientTargets(direct: Bool, _ weightGradient: inout [Float], _ biasGradient: inout [Float],
                                 _ partialWeights: inout [Float], _ partialBiases: inout [Float],
                                 _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
    if direct {
        weightGradient.withUnsafeMutableBufferPointer { gw in
            if !biasGradient.isEmpty {
                biasGradient.withUnsafeMutableBufferPointer { gb in body(gw.baseAddress!, gb.baseAddress!) }
            } else {
                var none: Float = 0
                body(gw.baseAddress!, &none)
            }
        }
    } else {
        partialWeights.withUnsafeMutableBufferPointer { pw in
            partialBiases.withUnsafeMutableBufferPointer { pb in body(pw.baseAddress!, pb.baseAddress!) }
        }
    }
}

/// Adds per-chunk partial gradients `partial` (chunks × gradient.count, chunk-major) to
/// `gradient` in chunk order, then zeroes the entries where `mask` is 0.
func accumulate(_ partial: [Float], chunks: Int, into gradient: inout [Float], mask: [Float]?) {
    let count = gradient.count
    gradient.withUnsafeMutableBufferPointer { grad in
        partial.withUnsafeBufferPointer { part in
            for chunk in 0..<chunks {
                let base = chunk * count
                for i in 0..<count { grad[i] += part[base + i] }
            }
        }
    }
    applyMask(mask, to: &gradient)
}

/// gradient[i] *= mask[i] (a 0/1 mask of absent connections), if there is a mask.
func applyMask(_ mask: [Float]?, to gradient: inout [Float]) {
    guard let mask else { return }
    gradient.withUnsafeMutableBufferPointer { grad in
        for i in 0..<grad.count { grad[i] *= mask[i] }
    }
}
