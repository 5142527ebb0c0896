// im2col / col2im for one image. Geometry of a 2-D sliding window:
//   input  x: (C, H, W)
//   col:      (C·kh·kw, oh·ow), row (c, i, j) holds x[c, oy·sh − pt + i·dh, ox·sw − pl + j·dw]
//             (zero where that position falls in the padding).

/// The sliding-window geometry shared by convolution kernels (all sizes in elements).
public struct WindowGeometry: Sendable, Equatable {
    public var channels: Int, height: Int, width: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var padTop: Int, padLeft: Int
    public var dilationHeight: Int, dilationWidth: Int
    public var outputHeight: Int, outputWidth: Int

    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, padTop: Int, padLeft: Int,
                dilationHeight: Int, dilationWidth: Int, outputHeight: Int, outputWidth: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth
        self.padTop = padTop; self.padLeft = padLeft
        self.dilationHeight = dilationHeight; self.dilationWidth = dilationWidth
        self.outputHeight = outputHeight; self.outputWidth = outputWidth
    }

    /// Rows of the column matrix: C·kh·kw.
    public var columnRows: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: oh·ow.
    public var columnCount: Int { outputHeight * outputWidth }
}

/// Unfolds one image `x` (C, H, W) into `col` (C·kh·kw, oh·ow).
public func im2col(_ x: UnsafePointer<Float>, _ g: WindowGeometry, into col: UnsafeMutablePointer<Float>) {
    let plane = g.height * g.width
    let count = g.columnCount
    var row = 0
    for c in 0..<g.channels {
        let xc = x + c * plane
        for i in 0..<g.kernelHeight {
            for j in 0..<g.kernelWidth {
                let dst = col + row * count
                let dy = i * g.dilationHeight - g.padTop
                let dx = j * g.dilationWidth - g.padLeft
                for oy in 0..<g.outputHeight {
                    let y = oy * g.strideHeight + dy
                    let out = dst + oy * g.outputWidth
                    if y < 0 || y >= g.height {
                        out.update(repeating: 0, count: g.outputWidth)
                        continue
                    }
                    let src = xc + y * g.width
                    if g.strideWidth == 1 {
                        // Contiguous run with zero borders.
                        let first = max(0, -dx), last = min(g.outputWidth, g.width - dx)
                        if first > 0 { out.update(repeating: 0, count: min(first, g.outputWidth)) }
                        if last > first { (out + first).update(from: src + first + dx, count: last - first) }
                        if last < g.outputWidth { (out + max(last, first)).update(repeating: 0, count: g.outputWidth - max(last, first)) }
                    } else {
                        for ox in 0..<g.outputWidth {
                            let xx = ox * g.strideWidth + dx
                            out[ox] = (xx >= 0 && xx < g.width) ? src[xx] : 0
                        }
                    }
                }
                row += 1
            }
        }
    }
}

/// Folds `col` (C·kh·kw, oh·ow) back onto `x` (C, H, W), ADDING overlapping contributions:
/// the adjoint of ``im2col``. `x` must be zeroed by the caller if it should hold only the sum.
public func col2im(_ col: UnsafePointer<Float>, _ g: WindowGeometry, into x: UnsafeMutablePointer<Float>) {
    let plane = g.height * g.width
    let count = g.columnCount
    var row = 0
    for c in 0..<g.channels {
        let xc = x + c * plane
        for i in 0..<g.kernelHeight {
            for j in 0..<g.kernelWidth {
                let src = col + row * count
                let dy = i * g.dilationHeight - g.padTop
                let dx = j * g.dilationWidth - g.padLeft
                for oy in 0..<g.outputHeight {
                    let y = oy * g.strideHeight + dy
                    if y < 0 || y >= g.height { continue }
                    let dst = xc + y * g.width
                    let line = src + oy * g.outputWidth
                    for ox in 0..<g.outputWidth {
                        let xx = ox * g.strideWidth + dx
                        if xx >= 0 && xx < g.width { dst[xx] += line[ox] }
                    }
                }
                row += 1
            }
        }
    }
}
