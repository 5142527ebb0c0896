import ConvKitKernels

/// A set of pixels of one `height×width` activation plane (row-major), with its unclipped
/// extent: the rows and columns a receptive-field walk reaches before clipping to the plane.
public struct PixelMask: Sendable, Equatable {
    /// Rows of the plane.
    public let height: Int
    /// Columns of the plane.
    public let width: Int
    /// `height·width` flags, row-major.
    public private(set) var bits: [Bool]
    /// Rows reached before clipping (may start below 0 or end past `height − 1`: padding).
    public var unclippedRows: ClosedRange<Int>
    /// Columns reached before clipping.
    public var unclippedColumns: ClosedRange<Int>

    /// The single pixel (row, column).
    init(height: Int, width: Int, pixel: (row: Int, column: Int)) {
        self.height = height
        self.width = width
        bits = [Bool](repeating: false, count: height * width)
        bits[pixel.row * width + pixel.column] = true
        unclippedRows = pixel.row...pixel.row
        unclippedColumns = pixel.column...pixel.column
    }

    init(height: Int, width: Int, bits: [Bool], unclippedRows: ClosedRange<Int>, unclippedColumns: ClosedRange<Int>) {
        self.height = height
        self.width = width
        self.bits = bits
        self.unclippedRows = unclippedRows
        self.unclippedColumns = unclippedColumns
    }

    /// Whether pixel (row, column) is in the set.
    public subscript(row: Int, column: Int) -> Bool { bits[row * width + column] }

    /// Number of pixels in the set.
    public var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The bounding rectangle of the set (clipped to the plane), `nil` when empty.
    public var bounds: (rows: ClosedRange<Int>, columns: ClosedRange<Int>)? {
        var (r0, r1, c0, c1) = (Int.max, Int.min, Int.max, Int.min)
        for r in 0..<height {
            for c in 0..<width where bits[r * width + c] {
                r0 = min(r0, r); r1 = max(r1, r); c0 = min(c0, c); c1 = max(c1, c)
            }
        }
        return r0 <= r1 ? (r0...r1, c0...c1) : nil
    }

    /// The 1×1 plane a broadcast value lives on: its one pixel is read when any pixel of this set is.
    func collapsedToOrigin() -> PixelMask {
        PixelMask(height: 1, width: 1, bits: [bits.contains(true)], unclippedRows: 0...0, unclippedColumns: 0...0)
    }

    /// The union with another mask of the same plane (parallel branches).
    func union(_ other: PixelMask) -> PixelMask {
        PixelMask(height: height, width: width, bits: zip(bits, other.bits).map { $0 || $1 },
                  unclippedRows: min(unclippedRows.lowerBound, other.unclippedRows.lowerBound)...max(unclippedRows.upperBound, other.unclippedRows.upperBound),
                  unclippedColumns: min(unclippedColumns.lowerBound, other.unclippedColumns.lowerBound)...max(unclippedColumns.upperBound, other.unclippedColumns.upperBound))
    }

    /// The pixels of the input plane (`height×width`) a sliding window reads to produce this set:
    /// output (i, j) reads rows `i·s − p + a·d` for a in 0..<k (likewise columns), where inside.
    /// The unclipped extent maps `[r0, r1]` to `[r0·s − p, r1·s − p + d(k−1)]`.
    func throughWindow(_ g: WindowRule, inputHeight: Int, inputWidth: Int) -> PixelMask {
        var out = [Bool](repeating: false, count: inputHeight * inputWidth)
        for i in 0..<height {
            for j in 0..<width where bits[i * width + j] {
                for a in 0..<g.kernel.height {
                    let r = i * g.stride.height - g.padding.height + a * g.dilation.height
                    guard r >= 0, r < inputHeight else { continue }
                    for b in 0..<g.kernel.width {
                        let c = j * g.stride.width - g.padding.width + b * g.dilation.width
                        guard c >= 0, c < inputWidth else { continue }
                        out[r * inputWidth + c] = true
                    }
                }
            }
        }
        func span(_ range: ClosedRange<Int>, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> ClosedRange<Int> {
            (range.lowerBound * s - p)...(range.upperBound * s - p + d * (k - 1))
        }
        return PixelMask(height: inputHeight, width: inputWidth, bits: out,
                         unclippedRows: span(unclippedRows, g.kernel.height, g.stride.height, g.padding.height, g.dilation.height),
                         unclippedColumns: span(unclippedColumns, g.kernel.width, g.stride.width, g.padding.width, g.dilation.width))
    }

    /// Adaptive average pooling from `inputHeight×inputWidth`: output row i averages input rows
    /// `⌊i·H/oh⌋ ..< ⌈(i+1)·H/oh⌉` (likewise columns).
    func throughAdaptivePool(inputHeight: Int, inputWidth: Int) -> PixelMask {
        func window(_ i: Int, _ n: Int, _ m: Int) -> ClosedRange<Int> { (i * n / m)...(((i + 1) * n + m - 1) / m - 1) }
        var out = [Bool](repeating: false, count: inputHeight * inputWidth)
        for i in 0..<height {
            for j in 0..<width where bits[i * width + j] {
                for r in window(i, inputHeight, height) { for c in window(j, inputWidth, width) { out[r * inputWidth + c] = true } }
            }
        }
        // Unclipped positions outside the plane (from padding further on) continue the windows at the
        // rule the summary uses (AdaptiveAvgPool2d.receptiveField): stride ⌊n/m⌋, the longest window.
        func span(_ range: ClosedRange<Int>, _ n: Int, _ m: Int) -> ClosedRange<Int> {
            let stride = max(n / m, 1)
            let longest = (0..<m).map { window($0, n, m).count }.max() ?? 1
            func first(_ i: Int) -> Int { i < 0 ? i * stride : i >= m ? window(m - 1, n, m).lowerBound + (i - m + 1) * stride : window(i, n, m).lowerBound }
            func last(_ i: Int) -> Int { i < 0 ? i * stride + longest - 1 : i >= m ? window(m - 1, n, m).upperBound + (i - m + 1) * stride : window(i, n, m).upperBound }
            return first(range.lowerBound)...last(range.upperBound)
        }
        return PixelMask(height: inputHeight, width: inputWidth, bits: out,
                         unclippedRows: span(unclippedRows, inputHeight, height), unclippedColumns: span(unclippedColumns, inputWidth, width))
    }

    /// A text picture: one character per pixel, or per `f×f` block when the plane is wider or
    /// taller than `maximumSide` (f = ⌈max(H, W)/maximumSide⌉). `#` every pixel of the cell is in
    /// the set, `+` some are, `·` none.
    public func picture(maximumSide: Int = 64) -> (lines: [String], factor: Int) {
        let factor = max(1, (max(height, width) + maximumSide - 1) / maximumSide)
        var lines: [String] = []
        for top in stride(from: 0, to: height, by: factor) {
            var line = ""
            for left in stride(from: 0, to: width, by: factor) {
                var (inside, total) = (0, 0)
                for r in top..<min(top + factor, height) {
                    for c in left..<min(left + factor, width) {
                        total += 1
                        if bits[r * width + c] { inside += 1 }
                    }
                }
                line += inside == total ? "#" : inside > 0 ? "+" : "·"
            }
            lines.append(line)
        }
        return (lines, factor)
    }
}

/// The sliding-window sizes one layer maps positions with (per axis): kernel, stride, padding
/// on the top/left, dilation.
struct WindowRule {
    var kernel: Size2, stride: Size2, padding: Size2, dilation: Size2

    init(_ g: WindowGeometry) {
        kernel = Size2(g.kernelHeight, g.kernelWidth)
        stride = Size2(g.strideHeight, g.strideWidth)
        padding = Size2(g.padTop, g.padLeft)
        dilation = Size2(g.dilationHeight, g.dilationWidth)
    }

    init(kernel: Size2, stride: Size2, padding: Size2, dilation: Size2) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }
}
