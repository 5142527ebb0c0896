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
    var y1 = min(y0 + g.kernelHeight, g.height + g.padTop), x1 = min(x0 + g.kernelWidth, g.width + g.padLeft)
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
