// Convolution passes by Winograd F(m×m, 3×3), m = 2 (ConvolutionAlgorithm.winograd; transforms in
// winograd.c) or m = 4 (ConvolutionAlgorithm.winograd4; winograd4.c). Each tile gives m×m outputs
// from an (m + 2)² input tile; the S = (m + 2)² transform-domain positions ξ are S products over the
// channels. Per block of B images with T tiles each (width = B·T columns), for ξ in 0..<S:
//   forward   V = input tiles (C × width per ξ); M[ξ] (O × width) = U[ξ] (O × C) · V[ξ]; Y = output transform of M
//   backward  dM = adjoint output transform of dY; dU[ξ] += dM[ξ] · V[ξ]ᵀ; dV[ξ] = U[ξ]ᵀ · dM[ξ];
//             dx += adjoint input transform of dV; after all blocks dW += Gᵀ dU G, db += Σ dY.
// U = G w Gᵀ (S × O × C) is computed from the weights at the start of each pass. Workspace
// (floats): U, then the transformed inputs (kept: every block's, in block order; else one block's
// per chunk), then one transform-domain output block per chunk; a block's matrices have rows of
// B·T columns plus slack (``ConvolutionShape/winogradRowStride(columns:)``). Blocks and
// chunks are as for im2col (see Convolution.swift): consecutive runs of B images, min(threads,
// blocks) contiguous chunks, per-chunk partial dU and db summed in chunk order, so a result depends
// on the thread count only.

import ConvKitKernelsC

extension WindowGeometry {
    /// Winograd F(m×m, 3×3) tiles per image for output tiles of `outputTile` = m: ⌈oh/m⌉·⌈ow/m⌉.
    func winogradTiles(outputTile m: Int) -> Int { ((outputHeight + m - 1) / m) * ((outputWidth + m - 1) / m) }
}

extension ConvolutionShape {
    /// Outputs per tile side m: 4 for ``ConvolutionAlgorithm/winograd4``, else 2.
    var winogradOutputTile: Int { algorithm == .winograd4 ? 4 : 2 }

    /// Transform-domain positions S = (m + 2)²: 16 for F(2×2, 3×3), 36 for F(4×4, 3×3).
    var winogradPlanes: Int { (winogradOutputTile + 2) * (winogradOutputTile + 2) }

    /// Tiles per image: ⌈oh/m⌉·⌈ow/m⌉.
    var winogradTiles: Int { window.winogradTiles(outputTile: winogradOutputTile) }

    /// Floats from one plane of a transform-domain matrix set to the next, for `rows` rows of `ld`:
    /// rows·ld plus 16 (64 bytes), so that the S planes a transform writes at once do not all map to
    /// the same L1 set when rows·ld is a multiple of 4 KiB (36 streams against 8–12 ways).
    func winogradPlane(rows: Int, ld: Int) -> Int { rows * ld + 16 }

    /// Floats from one plane of U (O × C, rows of C) to the next.
    var winogradFilterPlane: Int { winogradPlane(rows: outputChannels, ld: inputChannels) }

    /// Floats of the transformed weights U: S planes of O·C (see ``winogradFilterPlane``).
    var winogradFilterCount: Int { winogradPlanes * winogradFilterPlane }

    /// Row stride of a transform-domain matrix of `columns` tiles: rounded up to 8 floats, plus 8
    /// of slack for the transforms' whole 8-tile groups (see ck_winograd_input).
    func winogradRowStride(columns: Int) -> Int { (columns + 7) / 8 * 8 + 8 }

    /// Row stride of a full block's matrices (B·T tiles).
    var winogradBlockRowStride: Int { winogradRowStride(columns: imagesPerBlock * winogradTiles) }

    /// Floats of one block's transformed input: S·C rows of ``winogradBlockRowStride``.
    var winogradBlockInputCount: Int { winogradPlanes * winogradPlane(rows: inputChannels, ld: winogradBlockRowStride) }

    /// Output channels whose forward products and output transform run together (64, or all of
    /// them when fewer): their S planes (S·64·B·T floats, 1 MiB for 256 tile columns at S = 16) stay in the caches.
    var winogradOutputGroup: Int { min(outputChannels, 64) }

    /// Where the transform-domain output blocks start in the workspace.
    func winogradScratchOffset(batch: Int, threads: Int, keep: Bool) -> Int {
        winogradFilterCount + (keep ? blocks(batch: batch) : chunks(batch: batch, threads: threads)) * winogradBlockInputCount
    }

    /// Floats of the Winograd workspace (see the file header).
    func winogradWorkspaceCount(batch: Int, threads: Int, keep: Bool) -> Int {
        winogradScratchOffset(batch: batch, threads: threads, keep: keep)
            + chunks(batch: batch, threads: threads) * winogradPlanes * winogradPlane(rows: outputChannels, ld: winogradBlockRowStride)
    }

    // The transforms of this shape's tile size (arguments as in ConvKitKernelsC.h).

    /// U = G w Gᵀ for all O·C kernels, split into contiguous runs over `threads` (each kernel's
    /// transform is independent: the result does not depend on the split).
    func winogradFilter(_ w: UnsafePointer<Float>, _ u: UnsafeMutablePointer<Float>, threads: Int) {
        let (kernels, plane, tile) = (outputChannels * inputChannels, winogradFilterPlane, winogradOutputTile)
        let chunks = kernels >= 2048 ? max(1, threads) : 1
        parallelFor(chunks: chunks, threads: threads) { chunk in
            let range = chunkRange(chunk, of: chunks, count: kernels)
            let (source, target) = (w + 9 * range.lowerBound, u + range.lowerBound)
            if tile == 4 { ck_winograd4_filter(source, range.count, plane, target) } else { ck_winograd_filter(source, range.count, plane, target) }
        }
    }
    /// dW += Gᵀ dU G for all O·C kernels, split as ``winogradFilter(_:_:threads:)``.
    func winogradFilterBackward(_ du: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>, threads: Int) {
        let (kernels, plane, tile) = (outputChannels * inputChannels, winogradFilterPlane, winogradOutputTile)
        let chunks = kernels >= 2048 ? max(1, threads) : 1
        parallelFor(chunks: chunks, threads: threads) { chunk in
            let range = chunkRange(chunk, of: chunks, count: kernels)
            let (source, target) = (du + range.lowerBound, dw + 9 * range.lowerBound)
            if tile == 4 {
                ck_winograd4_filter_backward(source, range.count, plane, target)
            } else {
                ck_winograd_filter_backward(source, range.count, plane, target)
            }
        }
    }
    func winogradInput(_ x: UnsafePointer<Float>, _ g: UnsafePointer<ck_window>, _ v: UnsafeMutablePointer<Float>, _ ld: Int, _ plane: Int) {
        if winogradOutputTile == 4 { ck_winograd4_input(x, g, v, ld, plane) } else { ck_winograd_input(x, g, v, ld, plane) }
    }
    func winogradInputBackward(_ dv: UnsafePointer<Float>, _ g: UnsafePointer<ck_window>, _ dx: UnsafeMutablePointer<Float>, _ ld: Int, _ plane: Int) {
        if winogradOutputTile == 4 { ck_winograd4_input_backward(dv, g, dx, ld, plane) } else { ck_winograd_input_backward(dv, g, dx, ld, plane) }
    }
    func winogradOutput(_ m: UnsafePointer<Float>, _ g: UnsafePointer<ck_window>, _ outputs: Int, _ y: UnsafeMutablePointer<Float>, _ ld: Int, _ plane: Int) {
        if winogradOutputTile == 4 { ck_winograd4_output(m, g, outputs, y, ld, plane) } else { ck_winograd_output(m, g, outputs, y, ld, plane) }
    }
    func winogradOutputBackward(_ dy: UnsafePointer<Float>, _ g: UnsafePointer<ck_window>, _ outputs: Int, _ dm: UnsafeMutablePointer<Float>, _ ld: Int, _ plane: Int) {
        if winogradOutputTile == 4 { ck_winograd4_output_backward(dy, g, outputs, dm, ld, plane) } else { ck_winograd_output_backward(dy, g, outputs, dm, ld, plane) }
    }
}

/// Forward convolution by Winograd: the contract of ``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:relu:threads:)``
/// (sizes already checked there), the workspace laid out as in the file header.
func winogradForward(_ x: [Float], weight: [Float], bias: [Float]?, _ conv: ConvolutionShape, batch n: Int,
                     y: inout [Float], workspace: inout [Float], keep: Bool, threads: Int) {
    let (c, o, planes) = (conv.inputChannels, conv.outputChannels, conv.winogradPlanes)
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
                weight.withUnsafeBufferPointer { conv.winogradFilter($0.baseAddress!, u, threads: threads) }
                let inputs = u + conv.winogradFilterCount
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    var window = geometry  // each chunk passes its own copy to C
                    let m = u + scratchStart + chunk * planes * conv.winogradPlane(rows: o, ld: conv.winogradBlockRowStride)
                    for block in chunkRange(chunk, of: chunks, count: blocks) {
                        let first = block * perBlock, count = min(perBlock, n - first)
                        let (width, ld) = (count * tiles, conv.winogradRowStride(columns: count * tiles))
                        let (vPlane, uPlane) = (conv.winogradPlane(rows: c, ld: ld), conv.winogradFilterPlane)
                        let v = inputs + (keep ? block : chunk) * conv.winogradBlockInputCount
                        for j in 0..<count {
                            conv.winogradInput(xp + (first + j) * c * inPlane, &window, v + j * tiles, ld, vPlane)
                        }
                        // Output channels in groups of `rows`, so that one group's S planes stay in cache
                        // between its products and its output transform (each output's sum is unchanged).
                        let rows = conv.winogradOutputGroup
                        for low in stride(from: 0, to: o, by: rows) {
                            let group = min(rows, o - low)
                            let mPlane = conv.winogradPlane(rows: group, ld: ld)
                            for xi in 0..<planes {
                                sgemm(transposeA: false, transposeB: false, m: group, n: width, k: c, a: u + xi * uPlane + low * c, lda: c,
                                      b: v + xi * vPlane, ldb: ld, beta: 0, c: m + xi * mPlane, ldc: ld)
                            }
                            for j in 0..<count {
                                conv.winogradOutput(m + j * tiles, &window, group, yp + ((first + j) * o + low) * p, ld, mPlane)
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
/// (sizes already checked there). `partialWeights` holds one dU (S·O·C) per chunk and
/// `partialBiases` one db per chunk, summed in chunk order before dW += Gᵀ dU G and db += Σ.
func winogradBackward(_ dy: [Float], input x: [Float], weight: [Float], _ conv: ConvolutionShape, batch n: Int,
                      weightGradient: inout [Float], biasGradient: inout [Float], mask: [Float]?,
                      dx: inout [Float], needsInputGradient needsInput: Bool, workspace: inout [Float], kept columnsKept: Bool,
                      partialWeights: inout [Float], partialBiases: inout [Float], threads: Int) {
    let (c, o, planes) = (conv.inputChannels, conv.outputChannels, conv.winogradPlanes)
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
                            weight.withUnsafeBufferPointer { conv.winogradFilter($0.baseAddress!, u, threads: threads) }
                            let inputs = u + filterCount
                            parallelFor(chunks: chunks, threads: threads) { chunk in
                                var window = geometry  // each chunk passes its own copy to C
                                let m = u + scratchStart + chunk * planes * conv.winogradPlane(rows: o, ld: conv.winogradBlockRowStride)
                                let (chunkU, chunkB) = (dU + chunk * filterCount, dB + chunk * o)
                                let range = chunkRange(chunk, of: chunks, count: blocks)
                                for block in range {
                                    let first = block * perBlock, count = min(perBlock, n - first)
                                    let (width, ld) = (count * tiles, conv.winogradRowStride(columns: count * tiles))
                                    let (vPlane, mPlane, uPlane) = (conv.winogradPlane(rows: c, ld: ld), conv.winogradPlane(rows: o, ld: ld),
                                                                    conv.winogradFilterPlane)
                                    let beta: Float = block == range.lowerBound ? 0 : 1
                                    let v = inputs + (kept ? block : chunk) * conv.winogradBlockInputCount
                                    for j in 0..<count {
                                        if !kept { conv.winogradInput(xp + (first + j) * c * inPlane, &window, v + j * tiles, ld, vPlane) }
                                        conv.winogradOutputBackward(dyp + (first + j) * o * p, &window, o, m + j * tiles, ld, mPlane)
                                    }
                                    for xi in 0..<planes {
                                        // dU[ξ] (O × C) += dM[ξ] (O × width) · V[ξ]ᵀ (width × C)
                                        sgemm(transposeA: false, transposeB: true, m: o, n: c, k: width, a: m + xi * mPlane, lda: ld,
                                              b: v + xi * vPlane, ldb: ld, beta: beta, c: chunkU + xi * uPlane, ldc: c)
                                    }
                                    if needsInput, let dxp {
                                        for xi in 0..<planes {
                                            // dV[ξ] (C × width) = U[ξ]ᵀ (C × O) · dM[ξ] (O × width), over this block's V
                                            sgemm(transposeA: true, transposeB: false, m: c, n: width, k: o, a: u + xi * uPlane, lda: c,
                                                  b: m + xi * mPlane, ldb: ld, beta: 0, c: v + xi * vPlane, ldc: ld)
                                        }
                                        for j in 0..<count {
                                            conv.winogradInputBackward(v + j * tiles, &window, dxp + (first + j) * c * inPlane, ld, vPlane)
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
                            weightGradient.withUnsafeMutableBufferPointer { conv.winogradFilterBackward(dU, $0.baseAddress!, threads: threads) }
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
