// Grouped 2-D convolution of a batch by im2col + GEMM, one call per layer pass (forward or
// backward over the whole batch, including its parallelFor), so that the layer side sees arrays
// only and the module boundary costs nothing.
//
// Per image and group g, with K = (C/groups)·kh·kw and P = oh·ow:
//   forward   Y_g (O/groups × P) = W_g (O/groups × K) · col_g (K × P), then + b per channel;
//   backward  dW_g += dY_g · col_gᵀ;  dcol_g = W_gᵀ · dY_g, folded back onto dx with col2im;
//             db += Σ_P dY.
// Small maps (fewer than 100 output pixels: ResNet's 8×8, airbench's 7×7 and 3×3) are too narrow
// for the GEMM's 16-column tiles and give the weight gradient a depth of only P, so images go in
// blocks of B = ⌈256/P⌉: their column matrices sit side by side (K × B·P), one GEMM per block and
// group, with the outputs scattered to (and output gradients gathered from) NCHW through a scratch
// matrix (O/groups × B·P). Larger maps keep B = 1 (one GEMM per image, written in place).
// Blocks are consecutive runs of B images from image 0 (the last may be shorter), split into
// min(threads, blocks) contiguous chunks, one per parallelFor chunk; per-chunk partial gradients
// are summed in chunk order, so a result depends on the thread count only.

/// The geometry of a grouped convolution (all sizes in elements).
public struct ConvolutionShape: Sendable, Equatable {
    /// The sliding window over ONE group's input channels: `window.channels` = C/groups.
    public var window: WindowGeometry
    /// Channel groups: input and output channels are split evenly between them.
    public var groups: Int
    /// Output channels O (a multiple of `groups`).
    public var outputChannels: Int
    /// How the passes are computed (see ``ConvolutionAlgorithm``).
    public var algorithm: ConvolutionAlgorithm

    /// A convolution computed by `algorithm`, or by ``ConvolutionAlgorithm/preferred(window:groups:outputChannels:)``
    /// when nil. An algorithm that does not support the geometry falls back to im2col.
    public init(window: WindowGeometry, groups: Int, outputChannels: Int, algorithm: ConvolutionAlgorithm? = nil) {
        self.window = window
        self.groups = groups
        self.outputChannels = outputChannels
        let chosen = algorithm ?? ConvolutionAlgorithm.preferred(window: window, groups: groups, outputChannels: outputChannels)
        self.algorithm = chosen.supports(window: window, groups: groups) ? chosen : .im2col
    }

    /// Input channels C = (C/groups)·groups.
    public var inputChannels: Int { window.channels * groups }
    /// Floats of one column matrix, K·P = (C/groups)·kh·kw · oh·ow.
    public var columnMatrixCount: Int { window.columnRows * window.columnCount }
    /// Images multiplied side by side in one GEMM (see the file header): ⌈256/P⌉ for maps of fewer
    /// than 100 output pixels P, else 1. Winograd: ⌈256/T⌉ for T tiles per image.
    public var imagesPerBlock: Int {
        if algorithm.isWinograd { return max(1, (256 + winogradTiles - 1) / winogradTiles) }
        if algorithm == .direct { return directImagesPerBlock }
        if algorithm == .depthwise { return 1 }
        let p = window.columnCount
        return p < 100 ? max(1, (256 + p - 1) / p) : 1
    }

    /// Floats per image that the forward pass can keep for the backward one: the column matrices
    /// (groups·K·P), with Winograd the transformed input (S·C·T, S = 16 or 36), with direct convolution none.
    public var keptCountPerImage: Int {
        switch algorithm {
        case .im2col: return groups * columnMatrixCount
        case .winograd, .winograd4: return winogradPlanes * inputChannels * winogradTiles
        case .direct, .depthwise: return 0
        }
    }

    /// Blocks of ``imagesPerBlock`` images in a batch of `batch`.
    func blocks(batch: Int) -> Int { (batch + imagesPerBlock - 1) / imagesPerBlock }

    /// Parallel chunks for a batch: min(threads, blocks), at least 1.
    func chunks(batch: Int, threads: Int) -> Int { max(1, min(max(threads, 1), blocks(batch: batch))) }

    /// Where the per-chunk scratch matrices start in the workspace: after the kept column matrices
    /// (one per image and group), or after one block's column matrix per chunk.
    func scratchOffset(batch: Int, threads: Int, keepColumns: Bool) -> Int {
        keepColumns ? batch * groups * columnMatrixCount : chunks(batch: batch, threads: threads) * imagesPerBlock * columnMatrixCount
    }

    /// Floats of the workspace ``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:relu:threads:)``
    /// needs: one column matrix per (image, group) when the columns are kept, else one block's per
    /// chunk; then, with blocks of several images, one scratch matrix (O/groups × B·P) per chunk.
    public func columnsCount(batch: Int, threads: Int, keepColumns: Bool) -> Int {
        if algorithm.isWinograd { return winogradWorkspaceCount(batch: batch, threads: threads, keep: keepColumns) }
        if algorithm == .direct { return directWorkspaceCount(batch: batch, threads: threads) }
        if algorithm == .depthwise { return depthwiseWorkspaceCount(batch: batch, threads: threads) }
        let scratch = imagesPerBlock > 1 ? chunks(batch: batch, threads: threads) * (outputChannels / groups) * imagesPerBlock * window.columnCount : 0
        return scratchOffset(batch: batch, threads: threads, keepColumns: keepColumns) + scratch
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
/// - relu: y = max(0, the convolution) instead (as ``reluForward(_:_:count:)``): the direct
///   convolution applies it as it stores its outputs, the other algorithms in a pass over y.
/// - threads: chunks = min(threads, N) of contiguous images run in parallel; each writes only its
///   images' outputs and its own column matrices. No buffer may alias another.
public func convolutionForward(_ x: [Float], weight: [Float], bias: [Float]?, _ conv: ConvolutionShape, batch n: Int,
                               y: inout [Float], columns: inout [Float], keepColumns keep: Bool, relu: Bool = false, threads: Int) {
    let g = conv.window
    let groups = conv.groups
    let (c, o) = (conv.inputChannels, conv.outputChannels)
    let (k, p) = (g.columnRows, g.columnCount)
    let (og, cg) = (o / groups, c / groups)
    let inPlane = g.height * g.width
    let (perBlock, blocks) = (conv.imagesPerBlock, conv.blocks(batch: n))
    let chunks = conv.chunks(batch: n, threads: threads)
    precondition(x.count >= n * c * inPlane && y.count >= n * o * p && weight.count >= o * k, "convolutionForward: buffer sizes")
    precondition(bias.map { $0.count >= o } ?? true, "convolutionForward: bias size")
    if conv.algorithm == .direct {
        return directForward(x, weight: weight, bias: bias, conv, batch: n, y: &y, workspace: &columns, relu: relu, threads: threads)
    }
    defer {
        if relu { reluInPlace(&y, count: n * o * p, chunks: chunks, threads: threads) }
    }
    if conv.algorithm == .depthwise {
        return depthwiseForward(x, weight: weight, bias: bias, conv, batch: n, y: &y, workspace: &columns, threads: threads)
    }
    if conv.algorithm.isWinograd {
        return winogradForward(x, weight: weight, bias: bias, conv, batch: n, y: &y, workspace: &columns, keep: keep, threads: threads)
    }
    reserve(&columns, conv.columnsCount(batch: n, threads: threads, keepColumns: keep))
    let scratchStart = conv.scratchOffset(batch: n, threads: threads, keepColumns: keep)
    x.withUnsafeBufferPointer { xs in
        weight.withUnsafeBufferPointer { ws in
            y.withUnsafeMutableBufferPointer { ys in
                columns.withUnsafeMutableBufferPointer { cols in
                    let (xp, wp, yp, colp) = (xs.baseAddress!, ws.baseAddress!, ys.baseAddress!, cols.baseAddress!)
                    let biasValues = bias
                    parallelFor(chunks: chunks, threads: threads) { chunk in
                        let scratch = colp + scratchStart + chunk * og * perBlock * p
                        for block in chunkRange(chunk, of: chunks, count: blocks) {
                            let first = block * perBlock, count = min(perBlock, n - first)
                            let width = count * p
                            for group in 0..<groups {
                                let col = colp + (keep ? first * groups * k * p + group * k * width : chunk * perBlock * k * p)
                                let wg = wp + group * og * k
                                if count == 1 {
                                    im2col(xp + (first * c + group * cg) * inPlane, g, into: col)
                                    sgemm(transposeA: false, transposeB: false, m: og, n: p, k: k, a: wg, lda: k, b: col, ldb: p,
                                          beta: 0, c: yp + (first * o + group * og) * p, ldc: p)
                                    continue
                                }
                                for j in 0..<count {
                                    im2col(xp + ((first + j) * c + group * cg) * inPlane, g, into: col + j * p, rowStride: width)
                                }
                                sgemm(transposeA: false, transposeB: false, m: og, n: width, k: k, a: wg, lda: k, b: col, ldb: width,
                                      beta: 0, c: scratch, ldc: width)
                                for j in 0..<count {
                                    for channel in 0..<og {
                                        (yp + ((first + j) * o + group * og + channel) * p).update(from: scratch + channel * width + j * p, count: p)
                                    }
                                }
                            }
                            if let biasValues {
                                for image in first..<(first + count) {
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
    let (perBlock, blocks) = (conv.imagesPerBlock, conv.blocks(batch: n))
    let chunks = conv.chunks(batch: n, threads: threads)
    let weightCount = o * k
    let hasBias = !biasGradient.isEmpty
    precondition(x.count >= n * c * inPlane && dy.count >= n * o * p && weight.count >= weightCount
                 && weightGradient.count == weightCount && (!hasBias || biasGradient.count == o)
                 && (!needsInput || dx.count >= n * c * inPlane) && (mask.map { $0.count == weightCount } ?? true),
                 "convolutionBackward: buffer sizes")
    if conv.algorithm.isWinograd {
        return winogradBackward(dy, input: x, weight: weight, conv, batch: n, weightGradient: &weightGradient, biasGradient: &biasGradient,
                                mask: mask, dx: &dx, needsInputGradient: needsInput, workspace: &columns, kept: columnsKept,
                                partialWeights: &partialWeights, partialBiases: &partialBiases, threads: threads)
    }
    if conv.algorithm == .depthwise {
        return depthwiseBackward(dy, input: x, weight: weight, conv, batch: n, weightGradient: &weightGradient, biasGradient: &biasGradient,
                                 mask: mask, dx: &dx, needsInputGradient: needsInput, workspace: &columns, threads: threads)
    }
    if conv.algorithm == .direct {
        return directBackward(dy, input: x, weight: weight, conv, batch: n, weightGradient: &weightGradient, biasGradient: &biasGradient,
                              mask: mask, dx: &dx, needsInputGradient: needsInput, workspace: &columns,
                              partialWeights: &partialWeights, partialBiases: &partialBiases, threads: threads)
    }
    // One chunk accumulates straight into the gradients; several write per-chunk partials
    // that are summed in chunk order below (deterministic for a given thread count).
    let direct = chunks == 1
    let kept = columnsKept && columns.count >= conv.columnsCount(batch: n, threads: threads, keepColumns: true)
    reserve(&columns, conv.columnsCount(batch: n, threads: threads, keepColumns: kept))
    let scratchStart = conv.scratchOffset(batch: n, threads: threads, keepColumns: kept)
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
                                let scratch = colp + scratchStart + chunk * og * perBlock * p
                                let range = chunkRange(chunk, of: chunks, count: blocks)
                                for block in range {
                                    let first = block * perBlock, count = min(perBlock, n - first)
                                    let width = count * p
                                    // Partials start from the chunk's first block; direct gradients accumulate.
                                    let beta: Float = direct || block != range.lowerBound ? 1 : 0
                                    for group in 0..<groups {
                                        let col = colp + (kept ? first * groups * k * p + group * k * width : chunk * perBlock * k * p)
                                        let wg = wp + group * og * k
                                        // dY of the block's images for this group, og × width: in place for one image,
                                        // else gathered side by side into the scratch matrix.
                                        let dyg: UnsafePointer<Float>
                                        if count == 1 {
                                            dyg = dyp + (first * o + group * og) * p
                                            if !kept { im2col(xp + (first * c + group * cg) * inPlane, g, into: col) }
                                        } else {
                                            for j in 0..<count {
                                                if !kept { im2col(xp + ((first + j) * c + group * cg) * inPlane, g, into: col + j * p, rowStride: width) }
                                                for channel in 0..<og {
                                                    (scratch + channel * width + j * p).update(from: dyp + ((first + j) * o + group * og + channel) * p, count: p)
                                                }
                                            }
                                            dyg = UnsafePointer(scratch)
                                        }
                                        // dW_g (og × k) += dY_g (og × width) · colᵀ (width × k)
                                        sgemm(transposeA: false, transposeB: true, m: og, n: k, k: width,
                                              a: dyg, lda: width, b: col, ldb: width, beta: beta, c: dW + group * og * k, ldc: k)
                                        if needsInput {
                                            // dcol (k × width) = W_gᵀ (k × og) · dY_g (og × width), over the used columns
                                            sgemm(transposeA: true, transposeB: false, m: k, n: width, k: og,
                                                  a: wg, lda: k, b: dyg, ldb: width, beta: 0, c: col, ldc: width)
                                            if let dxp {
                                                for j in 0..<count {
                                                    col2im(col + j * p, g, into: dxp + ((first + j) * c + group * cg) * inPlane, rowStride: width)
                                                }
                                            }
                                        }
                                    }
                                    if hasBias { addBiasGradient(dyp, images: first..<(first + count), channels: o, plane: p, startFresh: beta == 0, into: dB) }
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

/// db[channel] += Σ over `images` and the plane of dy (N, channels, plane), image by image in order;
/// with `startFresh` the first image's sums replace db instead of adding to it.
func addBiasGradient(_ dy: UnsafePointer<Float>, images: Range<Int>, channels: Int, plane p: Int, startFresh: Bool,
                     into db: UnsafeMutablePointer<Float>) {
    for image in images {
        let start = startFresh && image == images.lowerBound
        for channel in 0..<channels {
            let total = sum(dy + (image * channels + channel) * p, count: p)
            db[channel] = start ? total : db[channel] + total
        }
    }
}

/// Calls `body` with the weight and bias gradient storage (`direct`) or the partial buffers.
/// Without a bias, the bias pointer is a dummy that is never written.
func withGradientTargets(direct: Bool, _ weightGradient: inout [Float], _ biasGradient: inout [Float],
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

/// y[0 ..< count] = max(0, y) in place (``reluForward(_:_:count:)``), in `chunks` parallel pieces.
func reluInPlace(_ y: inout [Float], count: Int, chunks: Int, threads: Int) {
    y.withUnsafeMutableBufferPointer { ys in
        let base = ys.baseAddress!
        parallelFor(chunks: chunks, threads: threads) { chunk in
            let range = chunkRange(chunk, of: chunks, count: count)
            reluForward(base + range.lowerBound, base + range.lowerBound, count: range.count)
        }
    }
}
