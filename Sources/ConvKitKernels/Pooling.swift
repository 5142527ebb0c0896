import ConvKitKernelsC

// Pooling over one channel plane. Window geometry as in WindowGeometry (channels ignored).

/// Max pooling of one plane `x` (H, W) into `y` (oh, ow); `argmax` receives, for each output,
/// the flat index into the plane of the chosen input (−1 when the window lies in padding only,
/// which then outputs −∞ as PyTorch does). Ties keep the first maximum in row-major order.
public func maxPoolPlane(_ x: UnsafePointer<Float>, _ g: WindowGeometry, y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
    if isPlain2x2(g) {
        maxPoolPlane2x2(x, g, y: y, argmax: argmax)
        return
    }
    maxPoolPlaneGeneral(x, g, y: y, argmax: argmax)
}

/// 2×2 windows, stride 2, no padding or dilation, every window inside the plane.
@inline(__always)
func isPlain2x2(_ g: WindowGeometry) -> Bool {
    g.kernelHeight == 2 && g.kernelWidth == 2 && g.strideHeight == 2 && g.strideWidth == 2 && g.padTop == 0 && g.padLeft == 0
        && g.dilationHeight == 1 && g.dilationWidth == 1 && 2 * g.outputHeight <= g.height && 2 * g.outputWidth <= g.width
}

/// The 2×2 stride-2 case of ``maxPoolPlane(_:_:y:argmax:)`` with the same choices, in C so that
/// it vectorises (see `ck_maxpool2x2`; Swift's SIMD selects compile poorly for baseline x86-64).
func maxPoolPlane2x2(_ x: UnsafePointer<Float>, _ g: WindowGeometry, y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
    ck_maxpool2x2(x, g.width, g.outputHeight, g.outputWidth, y, argmax)
}

/// Any window geometry (the definition; the 2×2 fast path is tested against it).
func maxPoolPlaneGeneral(_ x: UnsafePointer<Float>, _ g: WindowGeometry, y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
    for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
            var best = -Float.infinity
            var index: Int32 = -1
            for i in 0..<g.kernelHeight {
                let yy = oy * g.strideHeight - g.padTop + i * g.dilationHeight
                if yy < 0 || yy >= g.height { continue }
                for j in 0..<g.kernelWidth {
                    let xx = ox * g.strideWidth - g.padLeft + j * g.dilationWidth
                    if xx < 0 || xx >= g.width { continue }
                    let v = x[yy * g.width + xx]
                    if v > best || index < 0 || v.isNaN {
                        best = v
                        index = Int32(yy * g.width + xx)
                        if v.isNaN { break }
                    }
                }
            }
            y[oy * g.outputWidth + ox] = best
            argmax[oy * g.outputWidth + ox] = index
        }
    }
}

/// Adds `dy` (oh, ow) onto `dx` (H, W) at the recorded argmax positions.
public func maxPoolPlaneBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, count: Int, dx: UnsafeMutablePointer<Float>) {
    for o in 0..<count where argmax[o] >= 0 { dx[Int(argmax[o])] += dy[o] }
}

/// The divisor PyTorch's avg_pool2d uses for output (oy, ox), and the clipped input window.
@inline(__always)
func averageWindow(_ g: WindowGeometry, _ oy: Int, _ ox: Int, countIncludePad: Bool) -> (y0: Int, y1: Int, x0: Int, x1: Int, divisor: Int) {
    var y0 = oy * g.strideHeight - g.padTop, x0 = ox * g.strideWidth - g.padLeft
    var y1 = min(y0 + g.kernelHeight, g.height + g.padBottom), x1 = min(x0 + g.kernelWidth, g.width + g.padRight)
    let padded = (y1 - y0) * (x1 - x0)
    y0 = max(y0, 0); x0 = max(x0, 0)
    y1 = min(y1, g.height); x1 = min(x1, g.width)
    return (y0, y1, x0, x1, countIncludePad ? padded : (y1 - y0) * (x1 - x0))
}

/// Average pooling of one plane with PyTorch's divisor rules (`count_include_pad`).
public func averagePoolPlane(_ x: UnsafePointer<Float>, _ g: WindowGeometry, countIncludePad: Bool, y: UnsafeMutablePointer<Float>) {
    for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
            let w = averageWindow(g, oy, ox, countIncludePad: countIncludePad)
            var sum: Float = 0
            if w.y1 > w.y0 && w.x1 > w.x0 {
                for yy in w.y0..<w.y1 { for xx in w.x0..<w.x1 { sum += x[yy * g.width + xx] } }
            }
            y[oy * g.outputWidth + ox] = w.divisor > 0 ? sum / Float(w.divisor) : 0
        }
    }
}

/// Adds the gradient of ``averagePoolPlane`` for `dy` onto `dx`.
public func averagePoolPlaneBackward(_ dy: UnsafePointer<Float>, _ g: WindowGeometry, countIncludePad: Bool, dx: UnsafeMutablePointer<Float>) {
    for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
            let w = averageWindow(g, oy, ox, countIncludePad: countIncludePad)
            guard w.divisor > 0, w.y1 > w.y0, w.x1 > w.x0 else { continue }
            let share = dy[oy * g.outputWidth + ox] / Float(w.divisor)
            for yy in w.y0..<w.y1 { for xx in w.x0..<w.x1 { dx[yy * g.width + xx] += share } }
        }
    }
}

// Batch entry points: `planes` consecutive planes (N·C of an (N, C, H, W) batch), split into
// `chunks` contiguous ranges of planes run by parallelFor (each chunk writes only its planes, so
// results do not depend on the split).

/// Max pooling of a batch: x (planes, H, W) → y (planes, oh, ow), overwritten; `argmax`
/// (at least planes·oh·ow) receives the chosen index within each plane, as in
/// ``maxPoolPlane(_:_:y:argmax:)``. No buffer may alias another.
public func maxPoolForward(_ x: [Float], _ g: WindowGeometry, planes: Int, y: inout [Float], argmax: inout [Int32],
                           chunks: Int, threads: Int) {
    let (inPlane, outPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
    precondition(x.count >= planes * inPlane && y.count >= planes * outPlane && argmax.count >= planes * outPlane,
                 "maxPoolForward: buffer sizes")
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            argmax.withUnsafeMutableBufferPointer { am in
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    for plane in chunkRange(chunk, of: chunks, count: planes) {
                        maxPoolPlane(xs.baseAddress! + plane * inPlane, g, y: ys.baseAddress! + plane * outPlane,
                                     argmax: am.baseAddress! + plane * outPlane)
                    }
                }
            }
        }
    }
}

/// Average pooling of a batch: x (planes, H, W) → y (planes, oh, ow), overwritten, with
/// PyTorch's divisor rules (``averagePoolPlane(_:_:countIncludePad:y:)``). `x` and `y` must not alias.
public func averagePoolForward(_ x: [Float], _ g: WindowGeometry, planes: Int, countIncludePad: Bool, y: inout [Float],
                               chunks: Int, threads: Int) {
    let (inPlane, outPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
    precondition(x.count >= planes * inPlane && y.count >= planes * outPlane, "averagePoolForward: buffer sizes")
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            parallelFor(chunks: chunks, threads: threads) { chunk in
                for plane in chunkRange(chunk, of: chunks, count: planes) {
                    averagePoolPlane(xs.baseAddress! + plane * inPlane, g, countIncludePad: countIncludePad,
                                     y: ys.baseAddress! + plane * outPlane)
                }
            }
        }
    }
}

/// Max pooling gradient of a batch: dx (planes, H, W) is overwritten with zeros plus dy
/// (planes, oh, ow) routed to the `argmax` positions of the forward pass. `dy` and `dx` must not alias.
public func maxPoolBackward(_ dy: [Float], argmax: [Int32], _ g: WindowGeometry, planes: Int, dx: inout [Float],
                            chunks: Int, threads: Int) {
    let (inPlane, outPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
    precondition(dy.count >= planes * outPlane && argmax.count >= planes * outPlane && dx.count >= planes * inPlane,
                 "maxPoolBackward: buffer sizes")
    dy.withUnsafeBufferPointer { dys in
        dx.withUnsafeMutableBufferPointer { dxs in
            argmax.withUnsafeBufferPointer { am in
                parallelFor(chunks: chunks, threads: threads) { chunk in
                    let range = chunkRange(chunk, of: chunks, count: planes)
                    // Gradients are added onto zeros: each chunk clears its own planes.
                    (dxs.baseAddress! + range.lowerBound * inPlane).update(repeating: 0, count: range.count * inPlane)
                    for plane in range {
                        maxPoolPlaneBackward(dys.baseAddress! + plane * outPlane, argmax: am.baseAddress! + plane * outPlane,
                                             count: outPlane, dx: dxs.baseAddress! + plane * inPlane)
                    }
                }
            }
        }
    }
}

/// Average pooling gradient of a batch: dx (planes, H, W) is overwritten with the gradient of
/// ``averagePoolForward(_:_:planes:countIncludePad:y:chunks:threads:)`` for dy (planes, oh, ow).
/// `dy` and `dx` must not alias.
public func averagePoolBackward(_ dy: [Float], _ g: WindowGeometry, planes: Int, countIncludePad: Bool, dx: inout [Float],
                                chunks: Int, threads: Int) {
    let (inPlane, outPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
    precondition(dy.count >= planes * outPlane && dx.count >= planes * inPlane, "averagePoolBackward: buffer sizes")
    dy.withUnsafeBufferPointer { dys in
        dx.withUnsafeMutableBufferPointer { dxs in
            parallelFor(chunks: chunks, threads: threads) { chunk in
                let range = chunkRange(chunk, of: chunks, count: planes)
                // Gradients are added onto zeros: each chunk clears its own planes.
                (dxs.baseAddress! + range.lowerBound * inPlane).update(repeating: 0, count: range.count * inPlane)
                for plane in range {
                    averagePoolPlaneBackward(dys.baseAddress! + plane * outPlane, g, countIncludePad: countIncludePad,
                                             dx: dxs.baseAddress! + plane * inPlane)
                }
            }
        }
    }
}

/// The window of adaptive pooling output `i` along an axis of `n` inputs pooled to `m`:
/// ⌊i·n/m⌋ ..< ⌈(i+1)·n/m⌉.
@inline(__always)
func adaptiveWindow(_ i: Int, _ n: Int, _ m: Int) -> Range<Int> { (i * n / m)..<(((i + 1) * n + m - 1) / m) }

/// Adaptive average pooling (PyTorch's AdaptiveAvgPool2d) of x (planes, H, W) to y (planes, oh, ow),
/// overwritten: output (i, j) is the Float sum of its window, rows then columns in order, divided
/// by the window's size. Single-threaded. `x` and `y` must not alias.
public func adaptiveAveragePoolForward(_ x: [Float], planes: Int, height h: Int, width w: Int,
                                       outputHeight oh: Int, outputWidth ow: Int, y: inout [Float]) {
    let (inPlane, outPlane) = (h * w, oh * ow)
    precondition(x.count >= planes * inPlane && y.count >= planes * outPlane, "adaptiveAveragePoolForward: buffer sizes")
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            for plane in 0..<planes {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let (rows, cols) = (adaptiveWindow(i, h, oh), adaptiveWindow(j, w, ow))
                        var sum: Float = 0
                        for r in rows { for c in cols { sum += xs[plane * inPlane + r * w + c] } }
                        ys[plane * outPlane + i * ow + j] = sum / Float(rows.count * cols.count)
                    }
                }
            }
        }
    }
}

/// Gradient of ``adaptiveAveragePoolForward(_:planes:height:width:outputHeight:outputWidth:y:)``:
/// ADDS dy[i, j]/(window size) onto every dx position of window (i, j). dy: (planes, oh, ow);
/// dx: (planes, H, W), zero on entry for the plain gradient. Single-threaded; no aliasing.
public func adaptiveAveragePoolBackward(_ dy: [Float], planes: Int, height h: Int, width w: Int,
                                        outputHeight oh: Int, outputWidth ow: Int, dx: inout [Float]) {
    let (inPlane, outPlane) = (h * w, oh * ow)
    precondition(dy.count >= planes * outPlane && dx.count >= planes * inPlane, "adaptiveAveragePoolBackward: buffer sizes")
    dy.withUnsafeBufferPointer { dys in
        dx.withUnsafeMutableBufferPointer { dxs in
            for plane in 0..<planes {
                for i in 0..<oh {
                    for j in 0..<ow {
                        let (rows, cols) = (adaptiveWindow(i, h, oh), adaptiveWindow(j, w, ow))
                        let share = dys[plane * outPlane + i * ow + j] / Float(rows.count * cols.count)
                        for r in rows { for c in cols { dxs[plane * inPlane + r * w + c] += share } }
                    }
                }
            }
        }
    }
}
