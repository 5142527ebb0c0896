/// Adaptive average pooling to a fixed output size `oh×ow` (PyTorch's `AdaptiveAvgPool2d`).
///
/// Output row `i` averages input rows `⌊i·H/oh⌋ ..< ⌈(i+1)·H/oh⌉` (likewise for columns), so
/// windows may differ in size. Connections are the exact sum of all window sizes. The receptive
/// field uses the largest window and the stride `⌊H/oh⌋`. `oh = ow = 1` is global average pooling.
public struct AdaptiveAvgPool2d: LeafLayer {
    public var name: String
    public var outputSize: Size2
    public var kind: String { "AdaptiveAvgPool2d" }

    public init(_ name: String, outputSize: Size2) {
        self.name = name
        self.outputSize = outputSize
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        guard outputSize.height > 0, outputSize.width > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "output size must be positive, found \(outputSize)")
        }
        return [input.dimensions[0], outputSize.height, outputSize.width]
    }

    /// Window lengths along one axis of length `n` pooled to `m` outputs.
    static func windows(_ n: Int, _ m: Int) -> [Int] {
        (0..<m).map { i in (((i + 1) * n + m - 1) / m) - (i * n) / m }
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let rows = Self.windows(input.dimensions[1], outputSize.height).reduce(0, +)
        let cols = Self.windows(input.dimensions[2], outputSize.width).reduce(0, +)
        // Σ over (i, j) of rowWindow(i)·colWindow(j) = (Σ rows)·(Σ cols), per channel.
        let connections = try Count.product([(rows, "\(rows) window rows"), (cols, "\(cols) window columns"),
                                             (input.dimensions[0], "\(input.dimensions[0])")], "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        let h = input.dimensions[1], w = input.dimensions[2]
        let kernel = (Self.windows(h, outputSize.height).max() ?? 1, Self.windows(w, outputSize.width).max() ?? 1)
        return try field.through(effectiveKernel: kernel, stride: (max(h / outputSize.height, 1), max(w / outputSize.width, 1)))
    }
}
