// Convolution passes by Winograd F(2×2, 3×3) (ConvolutionAlgorithm.winograd; transforms in
// winograd.c). Per block of B images with T tiles each (width = B·T columns), for ξ in 0..<16:
//   forward   V = input tiles (C × width per ξ); M[ξ] (O × width) = U[ξ] (O × C) · V[ξ]; Y = output transform of M
//   backward  dM = adjoint output transform of dY; dU[ξ] += dM[ξ] · V[ξ]ᵀ; dV[ξ] = U[ξ]ᵀ · dM[ξ];
//             dx += adjoint input transform of dV; after all blocks dW += Gᵀ dU G, db += Σ dY.
// U = G w Gᵀ (16 × O × C) is computed from the weights at the start of each pass. Workspace
// (floats): U, then the transformed inputs (kept: every block's, in block order; else one block's
// per chunk), then one transform-domain output block per chunk; a block's matrices have rows of
// B·T columns plus slack (``ConvolutionShape/winogradRowStride(columns:)``). Blocks and
// chunks are as for im2col (see Convolution.swift): consecutive runs of B images, min(threads,
// blocks) contiguous chunks, per-chunk partial dU and db summed in chunk order, so a result depends
// on the thread count only.

import ConvKitKernelsC

extension WindowGeometry {
    /// Winograd F(2×2, 3×3) tiles per image: ⌈oh/2⌉·⌈ow/2⌉ (each gives a 2×2 block of outputs).
    var winogradTiles: Int { ((outputHeight + 1) / 2) * ((outputWidth + 1) / 2) }
}

extension ConvolutionShape {
    /// Tiles per image: ⌈oh/2⌉·⌈ow/2⌉.
    var winogradTiles: Int { window.winogradTiles }

    /// Floats of the transformed weights U: 16·O·C.
    var winogradFilterCount: Int { 16 * outputChannels * inputChannels }

    /// Row stride of a transform-domain matrix of `columns` tiles: rounded up to 8 floats, plus 8
    /// of slack for the transforms' whole 8-tile groups (see ck_winograd_input).
    func winogradRowStride(columns: Int) -> Int { (columns + 7) / 8 * 8 + 8 }

    /// Row stride of a full block's matrices (B·T tiles).
    var winogradBlockRowStride: Int { winogradRowStride(columns: imagesPerBlock * winogradTiles) }

    /// Floats of one block's transformed input: 16·C rows of ``winogradBlockRowStride``.
    var winogradBlockInputCount: Int { 16 * inputChannels * winogradBlockRowStride }

    /// Output channels whose forward products and output transform run together (64, or all of
    /// them when fewer): their 16 planes (16·64·B·T floats, 1 MiB for 256 tile columns) stay in the caches.
    var winogradOutputGroup: Int { min(outputChannels, 64) }

    /// Where the transform-domain output blocks start in the workspace.
    func winogradScratchOffset(batch: Int, threads: Int, keep: Bool) -> Int {
        winogradFilterCount + (keep ? blocks(batch: batch) : chunks(batch: batch, threads: threads)) * winogradBlockInputCount
    }

    /// Floats of the Winograd workspace (see the file header).
    func winogradWorkspaceCount(batch: Int, threads: Int, keep: Bool) -> Int {
        winogradScratchOffset(batch: batch, threads: threads, keep: keep)
            + chunks(batch: batch, threads: threads) * 16 * outputChannels * winogradBlockRowStride
    }
}

/// Forward convolution by Winograd: the contract of ``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:threads:)``
/// (sizes already checked there), the workspace laid out as in the file header.
func winogradForward(_ x: [Float], weight: [Float], bias: [Float]?, _ conv: ConvolutionShape, batch n: Int,
                     y: inout [Float], workspace: inout [Float], keep: Bool, threads: Int) {
    let (c, o) = (conv.inputChannels, conv.outputChannels)
    let (tiles, inPlane, p) = (conv.winogradTiles, conv.window.height * conv.window.width, conv.window.columnCount)
    let (perBlock, blocks) = (conv.imagesPerBlock, conv.blocks(batch: n))
    let chunks = conv.chunks(batch: n, threads: threads)
    reserve(&workspace, conv.winogradWorkspaceCount(batch: n, threads: threads, keep: keep))
    let scratchStart = conv.winogradScratchOffset(batch: n, threads: threads, keep: keep)
    let geometry = conv.window.cWindow
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            workspace.withUnsafeMutableBufferPointer { ws in
                let (xp, yp, u) = (xs.baseAddress!, ys.baseAddress!, ws.baseAddress!)
                weight.withUnsafeBufferPointer { ck_winograd_filter($0.baseAddress!, o, c, u) }
                let inputs = u + conv.winogradFilterCount
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    var window = geometry  // each chunk passes its own copy to C
                    let m = u + scratchStart + chunk * 16 * o * conv.winogradBlockRowStride
                    for block in chunkRange(chunk, of: chunks, count: blocks) {
                        let first = block * perBlock, count = min(perBlock, n - first)
                        let (width, ld) = (count * tiles, conv.winogradRowStride(columns: count * tiles))
                        let v = inputs + (keep ? block : chunk) * conv.winogradBlockInputCount
                        for j in 0..<count {
                            ck_winograd_input(xp + (first + j) * c * inPlane, &window, v + j * tiles, ld, c * ld)
                        }
                        // Output channels in groups of `rows`, so that one group's 16 planes stay in cache
                        // between its products and its output transform (each output's sum is unchanged).
                        let rows = conv.winogradOutputGroup
                        for low in stride(from: 0, to: o, by: rows) {
                            let group = min(rows, o - low)
                            for xi in 0..<16 {
                                sgemm(transposeA: false, transposeB: false, m: group, n: width, k: c, a: u + xi * o * c + low * c, lda: c,
                                      b: v + xi * c * ld, ldb: ld, beta: 0, c: m + xi * group * ld, ldc: ld)
                            }
                            for j in 0..<count {
                                ck_winograd_output(m + j * tiles, &window, group, yp + ((first + j) * o + low) * p, ld, group * ld)
                            }
                        }
                        if let bias {
                            for j in 0..<count {
                                let image = yp + (first + j) * o * p
                                for channel in 0..<o { addScalar(bias[channel], to: image + channel * p, count: p) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Backward convolution by Winograd: the contract of
/// ``convolutionBackward(_:input:weight:_:batch:weightGradient:biasGradient:mask:dx:needsInputGradient:columns:columnsKept:partialWeights:partialBiases:threads:)``
/// (sizes already checked there). `partialWeights` holds one dU (16·O·C) per chunk and
/// `partialBiases` one db per chunk, summed in chunk order before dW += Gᵀ dU G and db += Σ.
func winogradBackward(_ dy: [Float], input x: [Float], weight: [Float], _ conv: ConvolutionShape, batch n: Int,
                      weightGradient: inout [Float], biasGradient: inout [Float], mask: [Float]?,
                      dx: inout [Float], needsInputGradient needsInput: Bool, workspace: inout [Float], kept columnsKept: Bool,
                      partialWeights: inout [Float], partialBiases: inout [Float], threads: Int) {
    let (c, o) = (conv.inputChannels, conv.outputChannels)
    let (tiles, inPlane, p) = (conv.winogradTiles, conv.window.height * conv.window.width, conv.window.columnCount)
    let (perBlock, blocks) = (conv.imagesPerBlock, conv.blocks(batch: n))
    let chunks = conv.chunks(batch: n, threads: threads)
    let filterCount = conv.winogradFilterCount
    let hasBias = !biasGradient.isEmpty
    let kept = columnsKept && workspace.count >= conv.winogradWorkspaceCount(batch: n, threads: threads, keep: true)
    reserve(&workspace, conv.winogradWorkspaceCount(batch: n, threads: threads, keep: kept))
    reserve(&partialWeights, chunks * filterCount)
    reserve(&partialBiases, chunks * o)
    let scratchStart = conv.winogradScratchOffset(batch: n, threads: threads, keep: kept)
    let geometry = conv.window.cWindow
    x.withUnsafeBufferPointer { xs in
        dy.withUnsafeBufferPointer { dys in
            dx.withUnsafeMutableBufferPointer { dxs in
                workspace.withUnsafeMutableBufferPointer { ws in
                    partialWeights.withUnsafeMutableBufferPointer { pws in
                        partialBiases.withUnsafeMutableBufferPointer { pbs in
                            // dx is empty when the input gradient is not needed.
                            let (xp, dyp, dxp, u, dU, dB) = (xs.baseAddress!, dys.baseAddress!, dxs.baseAddress, ws.baseAddress!,
                                                            pws.baseAddress!, pbs.baseAddress!)
                            weight.withUnsafeBufferPointer { ck_winograd_filter($0.baseAddress!, o, c, u) }
                            let inputs = u + filterCount
                            parallelFor(chunks: chunks, threads: threads) { chunk in
                                var window = geometry  // each chunk passes its own copy to C
                                let m = u + scratchStart + chunk * 16 * o * conv.winogradBlockRowStride
                                let (chunkU, chunkB) = (dU + chunk * filterCount, dB + chunk * o)
                                let range = chunkRange(chunk, of: chunks, count: blocks)
                                for block in range {
                                    let first = block * perBlock, count = min(perBlock, n - first)
                                    let (width, ld) = (count * tiles, conv.winogradRowStride(columns: count * tiles))
                                    let beta: Float = block == range.lowerBound ? 0 : 1
                                    let v = inputs + (kept ? block : chunk) * conv.winogradBlockInputCount
                                    for j in 0..<count {
                                        if !kept { ck_winograd_input(xp + (first + j) * c * inPlane, &window, v + j * tiles, ld, c * ld) }
                                        ck_winograd_output_backward(dyp + (first + j) * o * p, &window, o, m + j * tiles, ld, o * ld)
                                    }
                                    for xi in 0..<16 {
                                        // dU[ξ] (O × C) += dM[ξ] (O × width) · V[ξ]ᵀ (width × C)
                                        sgemm(transposeA: false, transposeB: true, m: o, n: c, k: width, a: m + xi * o * ld, lda: ld,
                                              b: v + xi * c * ld, ldb: ld, beta: beta, c: chunkU + xi * o * c, ldc: c)
                                    }
                                    if needsInput, let dxp {
                                        for xi in 0..<16 {
                                            // dV[ξ] (C × width) = U[ξ]ᵀ (C × O) · dM[ξ] (O × width), over this block's V
                                            sgemm(transposeA: true, transposeB: false, m: c, n: width, k: o, a: u + xi * o * c, lda: c,
                                                  b: m + xi * o * ld, ldb: ld, beta: 0, c: v + xi * c * ld, ldc: ld)
                                        }
                                        for j in 0..<count {
                                            ck_winograd_input_backward(v + j * tiles, &window, dxp + (first + j) * c * inPlane, ld, c * ld)
                                        }
                                    }
                                    if hasBias { addBiasGradient(dyp, images: first..<(first + count), channels: o, plane: p, startFresh: beta == 0, into: chunkB) }
                                }
                            }
                            // Sum the chunks' dU (and db) into chunk 0's in chunk order, then transform back.
                            for chunk in 1..<max(chunks, 1) {
                                let part = dU + chunk * filterCount
                                for i in 0..<filterCount { dU[i] += part[i] }
                                if hasBias { for i in 0..<o { dB[i] += dB[chunk * o + i] } }
                            }
                            weightGradient.withUnsafeMutableBufferPointer { ck_winograd_filter_backward(dU, o, c, $0.baseAddress!) }
                            if hasBias {
                                biasGradient.withUnsafeMutableBufferPointer { gb in for i in 0..<o { gb[i] += dB[i] } }
                            }
                        }
                    }
                }
            }
        }
    }
    applyMask(mask, to: &weightGradient)
}
