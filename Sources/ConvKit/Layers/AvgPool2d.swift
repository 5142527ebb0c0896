/// 2-D average pooling over each channel of NCHW activations; geometry and costs in ``PoolingWindow``.
/// `countIncludePad` (PyTorch's default `true`) divides by the full window size, padding included.
public struct AvgPool2d: LeafLayer {
    public var name: String
    public var window: PoolingWindow
    public var countIncludePad: Bool
    public var kind: String { "AvgPool2d" }

    public init(_ name: String, window: PoolingWindow, countIncludePad: Bool = true) {
        self.name = name
        self.window = window
        self.countIncludePad = countIncludePad
    }
    /// Square window: `AvgPool2d("pool", kernel: 2)`.
    public init(_ name: String, kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        self.init(name, window: PoolingWindow(kernel: Size2(kernel), stride: stride.map { Size2($0) },
                                              padding: Size2(padding), ceilMode: ceilMode))
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        guard window.dilation == Size2(1) else {
            throw ConvKitError.invalidLayer(layer: path, reason: "average pooling has no dilation, found \(window.dilation)")
        }
        return try window.outputShape(for: input, path: path)
    }
    public func shapeFormula(input: Shape, output: Shape) -> [String] { window.shapeFormula(input: input) }
    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost { try window.cost(output: output, path: path) }
    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        try window.receptiveField(after: field)
    }

    /// Output (i, j) reads its pooling window (rows `i·s − p + a·d`, likewise columns) of the same channel.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        mask.throughWindow(WindowRule(window.geometry(input: input, output: output)), inputHeight: input.dimensions[1], inputWidth: input.dimensions[2])
    }
}

extension AvgPool2d: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        return PoolingRuntime(path: path, input: input, output: output, geometry: window.geometry(input: input, output: output),
                              mode: .average(countIncludePad: countIncludePad))
    }
}
