/// The window geometry shared by max and average pooling (one window per channel).
///
/// Output per axis `⌊(H + 2p − d(k−1) − 1)/s⌋ + 1` (⌈·⌉ in ceil mode, where the last window
/// must start inside the input or the left padding, as in PyTorch). Padding may be at most
/// half the kernel. Costs: no parameters, no MACs; connections = units · kh · kw.
public struct PoolingWindow: Hashable, Sendable {
    public var kernel: Size2
    public var stride: Size2
    public var padding: Size2
    public var dilation: Size2
    public var ceilMode: Bool

    /// `stride` defaults to the kernel size, as in PyTorch.
    public init(kernel: Size2, stride: Size2? = nil, padding: Size2 = Size2(0), dilation: Size2 = Size2(1), ceilMode: Bool = false) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
    }

    func outputShape(for input: Shape, path: String) throws -> Shape {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        guard padding.height * 2 <= kernel.height, padding.width * 2 <= kernel.width else {
            throw ConvKitError.invalidLayer(layer: path, reason: "padding \(padding) must be at most half the kernel \(kernel)")
        }
        let (h, w, _) = try SlidingWindow.output(layer: path, input: input, kernel: kernel, stride: stride,
                                                 padding: .explicit(padding), dilation: dilation, ceilMode: ceilMode)
        return [input.dimensions[0], h, w]
    }

    func shapeFormula(input: Shape) -> [String] {
        (try? SlidingWindow.output(layer: "", input: input, kernel: kernel, stride: stride, padding: .explicit(padding),
                                   dilation: dilation, ceilMode: ceilMode).formulas) ?? []
    }

    func cost(output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let connections = try Count.product([(units.value, units.value.grouped), (kernel.height, "\(kernel.height)"),
                                             (kernel.width, "\(kernel.width)")], "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    func receptiveField(after field: ReceptiveField) throws -> ReceptiveField {
        try field.through(effectiveKernel: (dilation.height * (kernel.height - 1) + 1, dilation.width * (kernel.width - 1) + 1),
                          stride: stride.tuple)
    }
}
