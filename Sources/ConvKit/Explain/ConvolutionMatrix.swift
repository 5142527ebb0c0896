/// The sizes of one explained convolution: input `C×H×W`, `M` filters of `C×kh×kw`, stride,
/// symmetric zero padding and dilation per axis; no bias and no groups.
///
/// Output `M×H'×W'` with `H' = ⌊(H + 2p − d(kh−1) − 1)/s⌋ + 1` (likewise W').
public struct ConvolutionGeometry: Sendable, Equatable {
    /// Input C, H, W (elements).
    public var channels: Int, height: Int, width: Int
    /// Number of filters M (output channels).
    public var filters: Int
    /// Kernel kh×kw (taps).
    public var kernel: Size2
    /// Stride per axis (input elements between neighbouring outputs).
    public var stride: Size2
    /// Zeros added on each side of each axis.
    public var padding: Size2
    /// Spacing between kernel taps per axis (1 = contiguous).
    public var dilation: Size2
    /// Output H' and W'.
    public let outputHeight: Int, outputWidth: Int

    /// Validates the sizes as ConvKit's ``Conv2d`` does.
    /// - Throws: ``ConvKitError`` when a size is not positive or the (dilated) kernel is larger
    ///   than the padded input.
    public init(input: Shape, filters: Int, kernel: Size2, stride: Size2 = Size2(1), padding: Size2 = Size2(0),
                dilation: Size2 = Size2(1)) throws {
        guard input.rank == 3 else {
            throw ConvKitError.invalidArgument(name: "--input", reason: "'\(input)' must be C,H,W")
        }
        guard padding.height >= 0, padding.width >= 0 else {
            throw ConvKitError.invalidArgument(name: "--padding", reason: "must be non-negative, found \(padding)")
        }
        let output = try Self.layer(filters: filters, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
            .outputShape(for: input, path: "conv")
        channels = input.dimensions[0]
        height = input.dimensions[1]
        width = input.dimensions[2]
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        outputHeight = output.dimensions[1]
        outputWidth = output.dimensions[2]
    }

    /// ConvKit's layer with these sizes and no bias (named `conv`).
    static func layer(filters: Int, kernel: Size2, stride: Size2, padding: Size2, dilation: Size2) -> Conv2d {
        Conv2d("conv", inChannels: nil, outChannels: filters, kernel: kernel, stride: stride, padding: .explicit(padding),
               dilation: dilation, bias: false)
    }
    var layer: Conv2d { Self.layer(filters: filters, kernel: kernel, stride: stride, padding: padding, dilation: dilation) }

    /// The input shape `C×H×W`.
    public var input: Shape { [channels, height, width] }
    /// The output shape `M×H'×W'`.
    public var output: Shape { [filters, outputHeight, outputWidth] }
    /// Weight count M·C·kh·kw, laid out `[M, C, kh, kw]`.
    public var weightCount: Int { filters * channels * kernel.height * kernel.width }

    /// `H' = ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1 = …` and the same for W'.
    public var formulas: [String] {
        func axis(_ name: String, _ n: Int, _ p: Int, _ d: Int, _ k: Int, _ s: Int, _ out: Int) -> String {
            let kernelText = d == 1 ? "(\(k)−1)" : "\(d)·(\(k)−1)"
            return "\(name) = ⌊(\(n) + 2·\(p) − \(kernelText) − 1)/\(s)⌋ + 1 = \(out)"
        }
        return [axis("H'", height, padding.height, dilation.height, kernel.height, stride.height, outputHeight),
                axis("W'", width, padding.width, dilation.width, kernel.width, stride.width, outputWidth)]
    }
}

/// A convolution written as a fully connected layer: `y = A·x` with x the input flattened
/// `C×H×W` (column `(c·H + h)·W + w`, labelled `x[c,h,w]`) and y the output flattened `M×H'×W'`
/// (row `(m·H' + i)·W' + j`, labelled `y[m,i,j]`).
///
/// Built from the definition of cross-correlation, not from ConvKit's convolution kernels:
/// `A[y[m,i,j], x[c,h,w]] = w[m,c,a,b]` where `h = i·s_h − p_h + a·d_h` and `w = j·s_w − p_w + b·d_w`
/// fall inside the input, and 0 elsewhere (taps on the padding connect to nothing). Each entry holds
/// at most one weight, because (a, b) ↦ (h, w) is one-to-one. The backward pass to the input is
/// `∂L/∂x = Aᵀ·∂L/∂y`.
public struct ConvolutionMatrix: Sendable {
    /// Largest matrix built (rows × columns): the explainer is meant for small, hand-sized cases.
    public static let maximumEntries = 1 << 22

    /// The sizes A was built for.
    public let geometry: ConvolutionGeometry
    /// M·H'·W'.
    public let rows: Int
    /// C·H·W.
    public let columns: Int
    /// Row-major: the flat index `((m·C + c)·kh + a)·kw + b` of the weight at each entry, −1 for 0.
    public let weightIndices: [Int32]

    /// Builds A for `geometry`.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` when A would exceed ``maximumEntries``.
    public init(_ geometry: ConvolutionGeometry) throws {
        let g = geometry
        let rows = g.filters * g.outputHeight * g.outputWidth
        let columns = g.channels * g.height * g.width
        let (entries, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, entries <= Self.maximumEntries, g.weightCount < Int(Int32.max) else {
            throw ConvKitError.invalidArgument(name: "--input", reason: "A would be \(rows.grouped)×\(columns.grouped) (M·H'·W' × C·H·W); the explainer builds it explicitly and is limited to \(Self.maximumEntries.grouped) entries, use a smaller input or fewer filters")
        }
        var indices = [Int32](repeating: -1, count: entries)
        for m in 0..<g.filters {
            for i in 0..<g.outputHeight {
                for j in 0..<g.outputWidth {
                    let row = (m * g.outputHeight + i) * g.outputWidth + j
                    for c in 0..<g.channels {
                        for a in 0..<g.kernel.height {
                            let h = i * g.stride.height - g.padding.height + a * g.dilation.height
                            guard h >= 0, h < g.height else { continue }
                            for b in 0..<g.kernel.width {
                                let w = j * g.stride.width - g.padding.width + b * g.dilation.width
                                guard w >= 0, w < g.width else { continue }
                                let column = (c * g.height + h) * g.width + w
                                indices[row * columns + column] = Int32(((m * g.channels + c) * g.kernel.height + a) * g.kernel.width + b)
                            }
                        }
                    }
                }
            }
        }
        self.geometry = g
        self.rows = rows
        self.columns = columns
        self.weightIndices = indices
    }

    /// The weight index at (row, column), or `nil` where A is structurally 0.
    public func weightIndex(row: Int, column: Int) -> Int? {
        let index = weightIndices[row * columns + column]
        return index < 0 ? nil : Int(index)
    }

    /// `w[m,c,a,b]` for a flat weight index in `[M, C, kh, kw]` order.
    public func weightName(_ index: Int) -> String {
        let g = geometry
        let b = index % g.kernel.width
        let a = (index / g.kernel.width) % g.kernel.height
        let c = (index / (g.kernel.width * g.kernel.height)) % g.channels
        let m = index / (g.kernel.width * g.kernel.height * g.channels)
        return "w[\(m),\(c),\(a),\(b)]"
    }

    /// `y[m,i,j]` for every row.
    public var rowLabels: [String] {
        let g = geometry
        return (0..<rows).map { r in "y[\(r / (g.outputHeight * g.outputWidth)),\((r / g.outputWidth) % g.outputHeight),\(r % g.outputWidth)]" }
    }

    /// `x[c,h,w]` for every column.
    public var columnLabels: [String] {
        let g = geometry
        return (0..<columns).map { k in "x[\(k / (g.height * g.width)),\((k / g.width) % g.height),\(k % g.width)]" }
    }

    /// How many different weights appear in A (all M·C·kh·kw unless some tap only ever sees padding).
    public var distinctWeights: Int { Set(weightIndices.lazy.filter { $0 >= 0 }).count }

    /// Non-zero entries (connections) of A.
    public var connections: Int { weightIndices.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }

    /// The entry at (row, column) for the given weights (`[M, C, kh, kw]`).
    public func value(row: Int, column: Int, weights: [Float]) -> Double {
        weightIndex(row: row, column: column).map { Double(weights[$0]) } ?? 0
    }

    /// `A·x` in Double (x flattened `C×H×W`).
    public func multiply(_ x: [Float], weights: [Float]) -> [Double] {
        var y = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            var sum = 0.0
            let base = r * columns
            for k in 0..<columns where weightIndices[base + k] >= 0 {
                sum += Double(weights[Int(weightIndices[base + k])]) * Double(x[k])
            }
            y[r] = sum
        }
        return y
    }

    /// `Aᵀ·g` in Double (g flattened `M×H'×W'`): the input gradient ∂L/∂x for ∂L/∂y = g.
    public func multiplyTransposed(_ g: [Float], weights: [Float]) -> [Double] {
        var x = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            let base = r * columns
            let gr = Double(g[r])
            for k in 0..<columns where weightIndices[base + k] >= 0 {
                x[k] += Double(weights[Int(weightIndices[base + k])]) * gr
            }
        }
        return x
    }
}
