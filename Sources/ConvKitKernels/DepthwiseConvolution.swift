import ConvKitKernelsC

// Depthwise convolution: groups = C input channels, each reading one channel (C/groups = 1), with
// C_out = m·C (output channel o reads input channel o/m; MobileNet's m = 1). Instead of one GEMM per
// group of a single row (im2col's way), each plane is copied once into a zero-padded scratch plane
// and the kernel slides over it (depthwise.c):
//   forward      y[n, o] = Σ_taps w[o, tap] · window(xpad[n, o/m]) + b[o]
//   input grad   dx[n, c] = Σ over c's m outputs o of the transposed window of dy[n, o] with w[o]
//   weight grad  dw[o, tap] += Σ_n Σ_positions dy[n, o] · window(xpad[n, o/m]); db[o] += Σ dy[n, o]
// The forward pass splits the N·O planes into contiguous runs for the threads; the backward pass
// splits the input channels, each thread doing all images of its channels, so every gradient is
// summed over images in order by one thread: the results do not depend on the thread count.
// Stride 1 runs on the flat padded plane (depthwise.c). Workspace per chunk: a padded input plane
// and, for backward, a padded gradient plane, each with (kw − 1)·dw floats of slack, and a scratch
// plane of oh·pitch floats.

extension ConvolutionShape {
    /// Rows of the zero-padded plane: enough for every window (top padding included).
    var depthwisePaddedHeight: Int {
        let g = window
        return max(g.height + g.padTop, (g.outputHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1)
    }
    /// Floats per row of the padded plane.
    var depthwisePitch: Int {
        let g = window
        return max(g.width + g.padLeft, (g.outputWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1)
    }
    /// Floats of one padded plane with the slack the flat stride-1 loops read past its last row.
    var depthwisePlaneCount: Int { depthwisePaddedHeight * depthwisePitch + (window.kernelWidth - 1) * window.dilationWidth }
    /// Floats of the flat scratch plane, oh·pitch.
    var depthwiseScratchCount: Int { window.outputHeight * depthwisePitch }
    /// Parallel chunks of a depthwise pass over `items` independent planes or channels.
    func depthwiseChunks(items: Int, threads: Int) -> Int { max(1, min(max(threads, 1), items)) }
    /// Floats of one chunk's workspace: two padded planes (input and input gradient) and the scratch.
    var depthwiseChunkCount: Int { 2 * depthwisePlaneCount + depthwiseScratchCount }
    /// Workspace of the depthwise passes: ``depthwiseChunkCount`` floats per chunk.
    func depthwiseWorkspaceCount(batch: Int, threads: Int) -> Int {
        depthwiseChunks(items: max(batch * outputChannels, inputChannels), threads: threads) * depthwiseChunkCount
    }
}

/// Forward depthwise convolution: the contract of ``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:relu:threads:)``
/// (sizes checked there; relu is applied there, after). `engine` runs the kernels.
func depthwiseForward(_ x: [Float], weight: [Float], bias: [Float]?, _ conv: ConvolutionShape, batch n: Int,
                      y: inout [Float], workspace: inout [Float], threads: Int, engine: GemmEngine = .best) {
    let g = conv.window
    let (c, o) = (conv.inputChannels, conv.outputChannels)
    let multiplier = o / c
    let (taps, inPlane, outPlane) = (g.kernelHeight * g.kernelWidth, g.height * g.width, g.outputHeight * g.outputWidth)
    let (pitch, planeCount) = (conv.depthwisePitch, conv.depthwisePlaneCount)
    let planes = n * o
    let chunks = conv.depthwiseChunks(items: planes, threads: threads)
    reserve(&workspace, conv.depthwiseWorkspaceCount(batch: n, threads: threads))
    x.withUnsafeBufferPointer { xs in
        weight.withUnsafeBufferPointer { ws in
            y.withUnsafeMutableBufferPointer { ys in
                workspace.withUnsafeMutableBufferPointer { work in
                    let (xp, wp, yp, scratch) = (xs.baseAddress!, ws.baseAddress!, ys.baseAddress!, work.baseAddress!)
                    parallelFor(chunks: chunks, threads: threads) { chunk in
                        let xpad = scratch + chunk * conv.depthwiseChunkCount
                        let flat = xpad + 2 * planeCount
                        xpad.initialize(repeating: 0, count: planeCount)
                        for plane in chunkRange(chunk, of: chunks, count: planes) {
                            let (image, channel) = plane.quotientAndRemainder(dividingBy: o)
                            ck_depthwise_pad(xp + (image * c + channel / multiplier) * inPlane, g.height, g.width, g.padTop, g.padLeft, pitch, xpad)
                            ck_depthwise_forward(engine.cValue, xpad, pitch, wp + channel * taps, g.kernelHeight, g.kernelWidth,
                                                 g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth,
                                                 g.outputHeight, g.outputWidth, bias?[channel] ?? 0, flat, yp + plane * outPlane)
                        }
                    }
                }
            }
        }
    }
}

/// Backward depthwise convolution: the contract of
/// ``convolutionBackward(_:input:weight:_:batch:weightGradient:biasGradient:mask:dx:needsInputGradient:columns:columnsKept:partialWeights:partialBiases:threads:)``
/// (sizes checked there): gradients accumulate into `weightGradient` and `biasGradient`, `dx` is
/// overwritten when `needsInput`. `engine` runs the kernels.
func depthwiseBackward(_ dy: [Float], input x: [Float], weight: [Float], _ conv: ConvolutionShape, batch n: Int,
                       weightGradient: inout [Float], biasGradient: inout [Float], mask: [Float]?,
                       dx: inout [Float], needsInputGradient needsInput: Bool, workspace: inout [Float],
                       threads: Int, engine: GemmEngine = .best) {
    let g = conv.window
    let (c, o) = (conv.inputChannels, conv.outputChannels)
    let multiplier = o / c
    let (taps, inPlane, outPlane) = (g.kernelHeight * g.kernelWidth, g.height * g.width, g.outputHeight * g.outputWidth)
    let (pitch, planeCount) = (conv.depthwisePitch, conv.depthwisePlaneCount)
    let chunks = conv.depthwiseChunks(items: c, threads: threads)
    let hasBias = !biasGradient.isEmpty
    reserve(&workspace, conv.depthwiseWorkspaceCount(batch: n, threads: threads))
    x.withUnsafeBufferPointer { xs in
        dy.withUnsafeBufferPointer { dys in
            weight.withUnsafeBufferPointer { ws in
                weightGradient.withUnsafeMutableBufferPointer { dws in
                    biasGradient.withUnsafeMutableBufferPointer { dbs in
                        dx.withUnsafeMutableBufferPointer { dxs in
                            workspace.withUnsafeMutableBufferPointer { work in
                                let (xp, dyp, wp, dwp, scratch) = (xs.baseAddress!, dys.baseAddress!, ws.baseAddress!, dws.baseAddress!, work.baseAddress!)
                                let (dbp, dxp) = (dbs.baseAddress, dxs.baseAddress)
                                parallelFor(chunks: chunks, threads: threads) { chunk in
                                    let xpad = scratch + chunk * conv.depthwiseChunkCount
                                    let dxpad = xpad + planeCount
                                    let flat = dxpad + planeCount
                                    xpad.initialize(repeating: 0, count: planeCount)
                                    for channel in chunkRange(chunk, of: chunks, count: c) {
                                        for image in 0..<n {
                                            ck_depthwise_pad(xp + (image * c + channel) * inPlane, g.height, g.width, g.padTop, g.padLeft, pitch, xpad)
                                            if needsInput { dxpad.initialize(repeating: 0, count: planeCount) }
                                            for output in (channel * multiplier)..<((channel + 1) * multiplier) {
                                                let gradient = dyp + (image * o + output) * outPlane
                                                ck_depthwise_backward(engine.cValue, gradient, xpad, pitch, wp + output * taps, g.kernelHeight,
                                                                      g.kernelWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth,
                                                                      g.outputHeight, g.outputWidth, flat, dwp + output * taps,
                                                                      hasBias ? dbp.map { $0 + output } : nil, needsInput ? dxpad : nil)
                                            }
                                            if needsInput, let dxp {
                                                ck_depthwise_unpad(dxpad, g.height, g.width, g.padTop, g.padLeft, pitch, dxp + (image * c + channel) * inPlane)
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
    applyMask(mask, to: &weightGradient)
}
