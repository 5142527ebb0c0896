// Convolution passes by direct convolution on the flat domain (ConvolutionAlgorithm.direct; the
// kernels and the flat domain are described in direct.c): stride 1, undilated, ungrouped.
//   forward   each image's input is copied into zero-padded planes (height oh + kh − 1, width
//             W' = ow + kw − 1); out (rows × Q', Q' = oh·W' rounded up to the tile width) by
//             ck_direct_forward; the valid columns copied to y, plus the bias.
//   backward  dW += Σ dy·x by ck_direct_weight_gradient (chunks of ``ConvolutionShape/directGradientChunk``
//             positions) over blocks of up to
//             ``ConvolutionShape/directImagesPerBlock`` images (their padded inputs side by side,
//             their dy on the flat domain, zero elsewhere); dx as im2col does it, dcol = Wᵀ·dY
//             (SGEMM) folded onto dx with col2im, or, where ck_direct_input_gradient_applies
//             (AVX-512, rows of at most 16), the same sums in the same order without the column
//             matrix (the same bits); db += Σ dY.
// Workspace (floats): the packed weights (rows × K, in blocks of ck_direct_block(O) rows), then one
// region per chunk: padded inputs of a block of images, then a block's flat outputs or output
// gradients (rows × Q' per image), then the input gradient's scratch
// (``ConvolutionShape/directInputGradientCount``), then the weight
// gradient's vector accumulators (block × K × 16). Chunks are
// min(threads, N) contiguous runs of images (each cut into blocks), and per-chunk partial
// gradients are summed in chunk order, so a result depends on the thread count only.

import ConvKitKernelsC

extension ConvolutionShape {
    /// Width W' of the flat domain and of the padded input planes: ow + kw − 1.
    var directWidth: Int { window.outputWidth + window.kernelWidth - 1 }
    /// Floats of one padded input plane: (oh + kh − 1)·W'.
    var directPlane: Int { (window.outputHeight + window.kernelHeight - 1) * directWidth }
    /// Output rows per kernel block (4, 6 or 8; see ck_direct_block).
    var directBlock: Int { ck_direct_block(outputChannels) }
    /// Output rows of the flat outputs: O rounded up to ``directBlock``.
    var directRows: Int { (outputChannels + directBlock - 1) / directBlock * directBlock }
    /// Flat positions computed per image: oh·W' rounded up to the widest engine's tile width
    /// (AVX-512's, which every narrower engine's tile divides), so that sizes do not depend on the engine.
    var directCount: Int {
        let tile = ck_direct_tile_width(CK_ENGINE_AVX512, directBlock)
        return (window.outputHeight * directWidth + tile - 1) / tile * tile
    }
    /// Where input (c, i, j) starts in the padded planes: c·plane + i·W' + j, in the weights' order.
    var directOffsets: [Int] {
        let (plane, width) = (directPlane, directWidth)
        var offsets = [Int]()
        offsets.reserveCapacity(window.columnRows)
        for c in 0..<window.channels {
            for i in 0..<window.kernelHeight {
                for j in 0..<window.kernelWidth { offsets.append(c * plane + i * width + j) }
            }
        }
        return offsets
    }
    /// Floats of one image's padded input plus the slack the kernels read past it: the last
    /// offset's reads end at max(offsets) + Q'.
    var directInputSpan: Int {
        let last = (window.channels - 1) * directPlane + (window.kernelHeight - 1) * directWidth + window.kernelWidth - 1
        return max(window.channels * directPlane, last + directCount)
    }
    /// Images per weight-gradient call: as many as keep a block's inputs and output gradients
    /// within 48 Ki floats (192 KiB, inside L2), 1 to 64.
    var directImagesPerBlock: Int {
        max(1, min(64, 49_152 / (window.channels * directPlane + directRows * directCount)))
    }
    /// Flat positions per weight-gradient chunk: as many as keep a chunk's output-gradient rows
    /// (``directBlock`` of them) and its inputs (C rows, plus the kernel's reach) within three quarters
    /// of the L1 data cache, in multiples of 64 (LeNet-5's first layer: 896, a whole image, with
    /// 48 KiB; 640 with 32 KiB). Results do not depend on it (see ck_direct_weight_gradient).
    var directGradientChunk: Int {
        let l1 = max(16_384, Int(ck_caches().l1d))
        let floatsPerPosition = directBlock + window.channels
        let reach = window.channels * ((window.kernelHeight - 1) * directWidth + window.kernelWidth)
        let positions = (l1 * 3 / 4 / 4 - reach) / floatsPerPosition
        return max(64, positions / 64 * 64)
    }

    /// Floats per output-gradient row that the input-gradient kernel reads (ow rounded up to 16).
    var directInputPitch: Int { ck_direct_input_pitch(window.outputWidth) }
    /// Floats of one chunk's region of the workspace (see the file header).
    var directChunkCount: Int {
        let images = directImagesPerBlock
        return (images - 1) * window.channels * directPlane + directInputSpan + images * directRows * directCount
            + directInputGradientCount + directBlock * window.columnRows * 16
    }
    /// Floats of the input gradient's scratch: one column matrix (K × P) for SGEMM and col2im, or
    /// one image's output gradient at ``directInputPitch`` for ck_direct_input_gradient.
    var directInputGradientCount: Int { max(columnMatrixCount, outputChannels * window.outputHeight * directInputPitch) }
    /// Floats of the direct-convolution workspace for `threads` chunks.
    func directWorkspaceCount(batch: Int, threads: Int) -> Int {
        directRows * window.columnRows + max(1, min(max(threads, 1), batch)) * directChunkCount
    }
}

/// Copies image `x` (C × H × W) into its zero-padded planes at `dst` (C planes of
/// ``ConvolutionShape/directPlane`` floats, rows of W') and zeroes the rest of the image's span.
private func directPad(_ x: UnsafePointer<Float>, _ conv: ConvolutionShape, into dst: UnsafeMutablePointer<Float>, span: Int) {
    let g = conv.window
    let (width, plane) = (conv.directWidth, conv.directPlane)
    let rows = plane / width
    let padded = g.padTop != 0 || g.padLeft != 0 || g.width != width || g.height != rows
    let filled = g.channels * plane
    if padded { dst.initialize(repeating: 0, count: filled) }
    if span > filled { (dst + filled).initialize(repeating: 0, count: span - filled) }
    let (firstColumn, lastColumn) = (max(0, -g.padLeft), min(g.width, width - g.padLeft))
    guard lastColumn > firstColumn else { return }
    for c in 0..<g.channels {
        for r in 0..<g.height {
            let row = r + g.padTop
            guard row >= 0 && row < rows else { continue }
            (dst + c * plane + row * width + firstColumn + g.padLeft)
                .update(from: x + (c * g.height + r) * g.width + firstColumn, count: lastColumn - firstColumn)
        }
    }
}

/// The weights (O, C, kh, kw) in the kernels' order: blocks of ``ConvolutionShape/directBlock``
/// rows, within a block K runs of `block` floats (one per row), zero rows past O.
private func directPack(_ w: UnsafePointer<Float>, _ conv: ConvolutionShape, into packed: UnsafeMutablePointer<Float>) {
    let (k, o, block) = (conv.window.columnRows, conv.outputChannels, conv.directBlock)
    for r0 in stride(from: 0, to: conv.directRows, by: block) {
        let base = packed + r0 * k
        for kk in 0..<k {
            for r in 0..<block { base[kk * block + r] = r0 + r < o ? w[(r0 + r) * k + kk] : 0 }
        }
    }
}

/// Forward convolution by direct convolution: the contract of ``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:relu:threads:)``
/// (sizes already checked there), the workspace laid out as in the file header; `relu` is applied
/// as the outputs are stored.
/// `engine` runs the kernels (the kernel tests pass each one).
func directForward(_ x: [Float], weight: [Float], bias: [Float]?, _ conv: ConvolutionShape, batch n: Int,
                   y: inout [Float], workspace: inout [Float], relu: Bool = false, threads: Int, engine: GemmEngine = .best) {
    let g = conv.window
    let (c, o, k, p) = (conv.inputChannels, conv.outputChannels, g.columnRows, g.columnCount)
    let (ow, inPlane) = (g.outputWidth, g.height * g.width)
    let (rows, block, count, width, span) = (conv.directRows, conv.directBlock, conv.directCount, conv.directWidth, conv.directInputSpan)
    let offsets = conv.directOffsets
    let chunks = max(1, min(max(threads, 1), n))
    reserve(&workspace, conv.directWorkspaceCount(batch: n, threads: threads))
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            workspace.withUnsafeMutableBufferPointer { ws in
                offsets.withUnsafeBufferPointer { offs in
                  (bias ?? []).withUnsafeBufferPointer { biases in
                    let (xp, yp, packed, offp) = (xs.baseAddress!, ys.baseAddress!, ws.baseAddress!, offs.baseAddress!)
                    let biasp = bias == nil ? nil : biases.baseAddress
                    weight.withUnsafeBufferPointer { directPack($0.baseAddress!, conv, into: packed) }
                    let regions = packed + rows * k
                    parallelFor(chunks: chunks, threads: threads) { chunk in
                        let input = regions + chunk * conv.directChunkCount
                        let out = input + (conv.directImagesPerBlock - 1) * c * conv.directPlane + span
                        for image in chunkRange(chunk, of: chunks, count: n) {
                            directPad(xp + image * c * inPlane, conv, into: input, span: span)
                            ck_direct_forward(engine.cValue, input, offp, k, packed, rows, block, count, out, count)
                            ck_direct_store(out, count, width, ow, g.outputHeight, o, biasp, relu, yp + image * o * p)
                        }
                    }
                  }
                }
            }
        }
    }
}

/// Backward convolution by direct convolution: the contract of
/// ``convolutionBackward(_:input:weight:_:batch:weightGradient:biasGradient:mask:dx:needsInputGradient:columns:columnsKept:partialWeights:partialBiases:threads:)``
/// (sizes already checked there; nothing is kept from the forward pass). `engine` runs the kernels.
func directBackward(_ dy: [Float], input x: [Float], weight: [Float], _ conv: ConvolutionShape, batch n: Int,
                    weightGradient: inout [Float], biasGradient: inout [Float], mask: [Float]?,
                    dx: inout [Float], needsInputGradient needsInput: Bool, workspace: inout [Float],
                    partialWeights: inout [Float], partialBiases: inout [Float], threads: Int, engine: GemmEngine = .best) {
    let g = conv.window
    let (c, o, k, p) = (conv.inputChannels, conv.outputChannels, g.columnRows, g.columnCount)
    let (ow, inPlane, plane) = (g.outputWidth, g.height * g.width, conv.directPlane)
    let (rows, block, count, width, span) = (conv.directRows, conv.directBlock, conv.directCount, conv.directWidth, conv.directInputSpan)
    let perBlock = conv.directImagesPerBlock
    let chunkPositions = conv.directGradientChunk
    let offsets = conv.directOffsets
    let chunks = max(1, min(max(threads, 1), n))
    let weightCount = o * k
    let hasBias = !biasGradient.isEmpty
    let direct = chunks == 1
    let directInput = ck_direct_input_gradient_applies(engine.cValue, g.width, g.outputWidth)
    reserve(&workspace, conv.directWorkspaceCount(batch: n, threads: threads))
    if !direct {
        reserve(&partialWeights, chunks * weightCount)
        reserve(&partialBiases, chunks * o)
    }
    withGradientTargets(direct: direct, &weightGradient, &biasGradient, &partialWeights, &partialBiases) { gradW, gradB in
        x.withUnsafeBufferPointer { xs in
            dy.withUnsafeBufferPointer { dys in
                weight.withUnsafeBufferPointer { ws in
                    dx.withUnsafeMutableBufferPointer { dxs in
                        workspace.withUnsafeMutableBufferPointer { work in
                            offsets.withUnsafeBufferPointer { offs in
                                // dx is empty when the input gradient is not needed.
                                let (xp, dyp, wp, dxp, offp) = (xs.baseAddress!, dys.baseAddress!, ws.baseAddress!, dxs.baseAddress, offs.baseAddress!)
                                let regions = work.baseAddress! + rows * k
                                parallelFor(chunks: chunks, threads: threads) { chunk in
                                    let dW = direct ? gradW : gradW + chunk * weightCount
                                    let dB = direct ? gradB : gradB + chunk * o
                                    if !direct { dW.initialize(repeating: 0, count: weightCount) }
                                    let input = regions + chunk * conv.directChunkCount
                                    let flat = input + (perBlock - 1) * c * plane + span
                                    let col = flat + perBlock * rows * count
                                    let partial = col + conv.directInputGradientCount
                                    let images = chunkRange(chunk, of: chunks, count: n)
                                    for first in stride(from: images.lowerBound, to: images.upperBound, by: perBlock) {
                                        let taken = min(perBlock, images.upperBound - first)
                                        for j in 0..<taken {
                                            let image = first + j
                                            // The last image's span zeroes the slack after the block.
                                            directPad(xp + image * c * inPlane, conv, into: input + j * c * plane, span: j == taken - 1 ? span : c * plane)
                                            let d = flat + j * rows * count
                                            d.initialize(repeating: 0, count: rows * count)
                                            for channel in 0..<o {
                                                for row in 0..<g.outputHeight {
                                                    (d + channel * count + row * width).update(from: dyp + (image * o + channel) * p + row * ow, count: ow)
                                                }
                                            }
                                        }
                                        ck_direct_weight_gradient(engine.cValue, input, c * plane, offp, k, flat, rows * count, count, rows, block, o,
                                                                  count, taken, chunkPositions, dW, partial)
                                        if needsInput, let dxp {
                                            for image in first..<(first + taken) {
                                                let dxImage = dxp + image * c * inPlane
                                                guard directInput else {
                                                    // dcol (k × P) = Wᵀ (k × O) · dY (O × P), folded onto dx
                                                    sgemm(transposeA: true, transposeB: false, m: k, n: p, k: o, a: wp, lda: k,
                                                          b: dyp + image * o * p, ldb: p, beta: 0, c: col, ldc: p)
                                                    col2im(col, g, into: dxImage)
                                                    continue
                                                }
                                                // The same sums without the column matrix: dy rows at the kernel's pitch.
                                                let pitch = conv.directInputPitch
                                                for channel in 0..<o {
                                                    for row in 0..<g.outputHeight {
                                                        let target = col + (channel * g.outputHeight + row) * pitch
                                                        target.update(from: dyp + (image * o + channel) * p + row * ow, count: ow)
                                                        (target + ow).initialize(repeating: 0, count: pitch - ow)
                                                    }
                                                }
                                                ck_direct_input_gradient(engine.cValue, col, pitch, o, g.outputHeight, ow, wp, c,
                                                                         g.kernelHeight, g.kernelWidth, g.height, g.width, g.padTop,
                                                                         g.padLeft, dxImage)
                                            }
                                        }
                                        if hasBias {
                                            addBiasGradient(dyp, images: first..<(first + taken), channels: o, plane: p,
                                                            startFresh: !direct && first == images.lowerBound, into: dB)
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
