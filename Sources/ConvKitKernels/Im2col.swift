import ConvKitKernelsC

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
    /// Zeros below and to the right of the input: what average pooling counts with
    /// `count_include_pad` (the other kernels need only the top/left padding and the output size).
    public var padBottom: Int, padRight: Int

    /// `padBottom` and `padRight` default to `padTop` and `padLeft` (symmetric padding).
    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, padTop: Int, padLeft: Int,
                dilationHeight: Int, dilationWidth: Int, outputHeight: Int, outputWidth: Int,
                padBottom: Int? = nil, padRight: Int? = nil) {
        self.padBottom = padBottom ?? padTop
        self.padRight = padRight ?? padLeft
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

/// Unfolds one image `x` (C, H, W) into `col` (C·kh·kw, oh·ow), any geometry (in C, with AVX2
/// where available: see `ck_im2col`; ``im2colGeneral(_:_:into:)`` is its reference). Rows of `col`
/// start `rowStride` floats apart (default oh·ow; larger when several images' columns sit side by side).
public func im2col(_ x: UnsafePointer<Float>, _ g: WindowGeometry, into col: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
    var window = g.cWindow
    ck_im2col(x, &window, col, rowStride ?? g.columnCount)
}

extension WindowGeometry {
    /// The same geometry for the C kernels.
    var cWindow: ck_window {
        ck_window(channels: channels, height: height, width: width, kernel_height: kernelHeight, kernel_width: kernelWidth,
                  stride_height: strideHeight, stride_width: strideWidth, pad_top: padTop, pad_left: padLeft,
                  dilation_height: dilationHeight, dilation_width: dilationWidth,
                  output_height: outputHeight, output_width: outputWidth)
    }
}

/// Any geometry (the definition the fast path is tested against).
func im2colGeneral(_ x: UnsafePointer<Float>, _ g: WindowGeometry, into col: UnsafeMutablePointer<Float>) {
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
                        // Contiguous run with zero borders (short runs: copied inline, not with memmove).
                        let first = max(0, -dx), last = min(g.outputWidth, g.width - dx)
                        if first > 0 { out.update(repeating: 0, count: min(first, g.outputWidth)) }
                        if last > first { copyFloats(from: src + first + dx, to: out + first, count: last - first) }
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
/// Any geometry, in C (`ck_col2im`); ``col2imGeneral(_:_:into:)`` is its reference, with the same
/// additions in the same order.
/// Rows of `col` are `rowStride` floats apart (default oh·ow), as in ``im2col(_:_:into:rowStride:)``.
public func col2im(_ col: UnsafePointer<Float>, _ g: WindowGeometry, into x: UnsafeMutablePointer<Float>, rowStride: Int? = nil) {
    var window = g.cWindow
    ck_col2im(col, &window, x, rowStride ?? g.columnCount)
}

/// Any geometry (the definition the fast path is tested against).
func col2imGeneral(_ col: UnsafePointer<Float>, _ g: WindowGeometry, into x: UnsafeMutablePointer<Float>) {
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
                    if g.strideWidth == 1 {
                        // The in-range outputs form one contiguous run: the same additions, vectorised.
                        let first = max(0, -dx), last = min(g.outputWidth, g.width - dx)
                        if last > first { addFloats(from: line + first, to: dst + first + dx, count: last - first) }
                        continue
                    }
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

/// dst[0..<count] = src[0..<count] for short runs (a memmove call costs more than the copy).
@inline(__always)
func copyFloats(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    let (from, to) = (UnsafeRawPointer(src), UnsafeMutableRawPointer(dst))
    var i = 0
    while i &+ 8 <= count {
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self), toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    if i &+ 4 <= count {
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self), toByteOffset: i &* 4, as: SIMD4<Float>.self)
        i &+= 4
    }
    while i < count {
        dst[i] = src[i]
        i &+= 1
    }
}

/// dst[0..<count] += src[0..<count], element by element (same rounding as the scalar loop).
@inline(__always)
func addFloats(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    let (from, to) = (UnsafeRawPointer(src), UnsafeMutableRawPointer(dst))
    var i = 0
    while i &+ 8 <= count {
        let sum = to.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) + from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        to.storeBytes(of: sum, toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count {
        dst[i] += src[i]
        i &+= 1
    }
}
