// Products of a tensor with one factor per plane: squeeze-and-excitation's `scale * x` (N×C×1×1
// broadcast onto N×C×H×W), and with `planeSize` 1 the plain element-wise product of two tensors of
// one shape. Planes are split into contiguous runs for the threads; each output element and each
// per-plane sum is computed by one thread in a fixed order, so results do not depend on the split.

/// y[p·S + i] = scales[p] · x[p·S + i] for planes p < `planes`, i < S = `planeSize`.
/// `x` and `y` hold at least planes·S elements, `scales` at least `planes`; `y` is overwritten.
public func multiplyPlanes(_ x: [Float], scales: [Float], planes: Int, planeSize: Int, y: inout [Float], threads: Int) {
    let count = planes * planeSize
    precondition(planes >= 0 && planeSize >= 0 && x.count >= count && y.count >= count && scales.count >= planes,
                 "multiplyPlanes: buffer sizes")
    guard count > 0 else { return }
    let chunks = count >= 16_384 ? max(1, min(threads, planes)) : 1
    x.withUnsafeBufferPointer { xs in
        scales.withUnsafeBufferPointer { ss in
            y.withUnsafeMutableBufferPointer { ys in
                let (xp, sp, yp) = (xs.baseAddress!, ss.baseAddress!, ys.baseAddress!)
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    for plane in chunkRange(chunk, of: chunks, count: planes) {
                        let (from, to, scale) = (xp + plane &* planeSize, yp + plane &* planeSize, sp[plane])
                        for i in 0..<planeSize { to[i] = scale * from[i] }
                    }
                }
            }
        }
    }
}

/// sums[p] = Σᵢ a[p·S + i] · b[p·S + i] for planes p < `planes` (S = `planeSize`), accumulated in
/// Double (``dotInDouble(_:_:count:)``) and rounded once: the gradient of a per-plane factor.
public func planeDots(_ a: [Float], _ b: [Float], planes: Int, planeSize: Int, sums: inout [Float], threads: Int) {
    let count = planes * planeSize
    precondition(planes >= 0 && planeSize >= 0 && a.count >= count && b.count >= count && sums.count >= planes,
                 "planeDots: buffer sizes")
    guard planes > 0 else { return }
    let chunks = count >= 16_384 ? max(1, min(threads, planes)) : 1
    a.withUnsafeBufferPointer { As in
        b.withUnsafeBufferPointer { bs in
            sums.withUnsafeMutableBufferPointer { out in
                let (ap, bp, sp) = (As.baseAddress!, bs.baseAddress!, out.baseAddress!)
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    for plane in chunkRange(chunk, of: chunks, count: planes) {
                        sp[plane] = Float(dotInDouble(ap + plane &* planeSize, bp + plane &* planeSize, count: planeSize))
                    }
                }
            }
        }
    }
}
