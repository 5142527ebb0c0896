// Transposed convolution ("deconvolution", PyTorch's ConvTranspose2d): the adjoint of an ordinary
// convolution. It is described by the geometry of the convolution it transposes (a
// ``ConvolutionShape`` whose input is the transposed convolution's OUTPUT y and whose output is
// its INPUT x), so that its passes are that convolution's passes with the roles swapped:
//   forward   y = the convolution's input gradient of x: per image and group g,
//             col_g (K × P) = W_gᵀ (K × C/g) · X_g (C/g × P), folded onto y with col2im, + b;
//   backward  dx = the convolution's forward of dy (``convolutionForward``, bias-free);
//             dW += the convolution's weight gradient with x in place of its output gradient,
//             X_g · (im2col dY_g)ᵀ (``convolutionBackward``); db += Σ_plane dy.
// K = (O/g)·kh·kw, P = H·W (the transposed convolution's input plane), C = its input channels
// (the convolution's outputs), O = its output channels. The weight (C, O/g, kh, kw) is the
// convolution's (its outputs × its inputs per group), PyTorch's layout for ConvTranspose2d.
// Images are split into min(threads, N) contiguous chunks; each writes only its images' outputs
// and its own column matrix, so results do not depend on the thread count.

/// Forward transposed convolution of a batch.
/// - x: (N, C, H, W) with C = `conv.outputChannels`, H×W = the window's output size;
///   weight: (C, O/groups, kh, kw); bias: (O) or nil; y: (N, O, H', W'), overwritten, with
///   O = `conv.inputChannels` and H'×W' the window's input size.
/// - conv: the convolution that maps y's shape to x's (see the file header).
/// - columns: workspace, grown here to one column matrix (K × P) per chunk.
public func transposedConvolutionForward(_ x: [Float], weight: [Float], bias: [Float]?, _ conv: ConvolutionShape, batch n: Int,
                                         y: inout [Float], columns: inout [Float], threads: Int) {
    let g = conv.window
    let groups = conv.groups
    let (c, o) = (conv.outputChannels, conv.inputChannels)
    let (k, p) = (g.columnRows, g.columnCount)
    let (cg, og) = (c / groups, o / groups)
    let outPlane = g.height * g.width
    let chunks = max(1, min(max(threads, 1), n))
    precondition(x.count >= n * c * p && y.count >= n * o * outPlane && weight.count >= c * k, "transposedConvolutionForward: buffer sizes")
    precondition(bias.map { $0.count >= o } ?? true, "transposedConvolutionForward: bias size")
    guard n > 0 else { return }
    reserve(&columns, chunks * k * p)
    x.withUnsafeBufferPointer { xs in
        weight.withUnsafeBufferPointer { ws in
            y.withUnsafeMutableBufferPointer { ys in
                columns.withUnsafeMutableBufferPointer { cols in
                    let (xp, wp, yp, colp) = (xs.baseAddress!, ws.baseAddress!, ys.baseAddress!, cols.baseAddress!)
                    let biasValues = bias
                    parallelFor(chunks: chunks, threads: threads) { chunk in
                        let col = colp + chunk * k * p
                        for image in chunkRange(chunk, of: chunks, count: n) {
                            let yi = yp + image * o * outPlane
                            yi.update(repeating: 0, count: o * outPlane)
                            for group in 0..<groups {
                                // col (k × p) = W_gᵀ (k × cg) · X_g (cg × p)
                                sgemm(transposeA: true, transposeB: false, m: k, n: p, k: cg, a: wp + group * cg * k, lda: k,
                                      b: xp + (image * c + group * cg) * p, ldb: p, beta: 0, c: col, ldc: p)
                                col2im(col, g, into: yi + group * og * outPlane)
                            }
                            if let biasValues {
                                for channel in 0..<o { addScalar(biasValues[channel], to: yi + channel * outPlane, count: outPlane) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// db[channel] += Σ over the batch and the plane of dy (N, channels, plane), image by image in
/// order (a transposed convolution's bias gradient).
public func addChannelSums(_ dy: [Float], batch n: Int, channels: Int, plane: Int, into db: inout [Float]) {
    precondition(dy.count >= n * channels * plane && db.count >= channels, "addChannelSums: buffer sizes")
    guard n > 0 else { return }
    dy.withUnsafeBufferPointer { dys in
        db.withUnsafeMutableBufferPointer { dbs in
            addBiasGradient(dys.baseAddress!, images: 0..<n, channels: channels, plane: plane, startFresh: false, into: dbs.baseAddress!)
        }
    }
}
