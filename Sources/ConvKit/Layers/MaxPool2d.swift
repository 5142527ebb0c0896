/// 2-D max pooling over each channel of NCHW activations; geometry and costs in ``PoolingWindow``.
public struct MaxPool2d: LeafLayer {
    public var name: String
    public var window: PoolingWindow
    public var kind: String { "MaxPool2d" }

    public init(_ name: String, window: PoolingWindow) {
        self.name = name
        self.window = window
    }
    /// Square window: `MaxPool2d("pool1", kernel: 3, stride: 2)`.
    public init(_ name: String, kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        self.init(name, window: PoolingWindow(kernel: Size2(kernel), stride: stride.map { Size2($0) },
                                              padding: Size2(padding), ceilMode: ceilMode))
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape { try window.outputShape(for: input, path: path) }
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

extension MaxPool2d: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        return PoolingRuntime(path: path, input: input, output: output, geometry: window.geometry(input: input, output: output), mode: .max)
    }
}

extension MaxPool2d: SpecKind {
    static let specType = "maxpool2d"
    static let specAliases = ["maxpool"]
    static let specPrefix = "pool"
    static func specBlank(named name: String) -> MaxPool2d { MaxPool2d(name, window: PoolingWindow(kernel: Size2(1))) }
    static var specExample: (layer: MaxPool2d, input: Shape) {
        (MaxPool2d("pool", window: PoolingWindow(kernel: Size2(3, 2), stride: Size2(2, 1), padding: Size2(1, 0),
                                                 dilation: Size2(1, 2), ceilMode: true)), [3, 9, 8])
    }
    static var specKeys: [SpecKey<MaxPool2d>] {
        PoolingWindow.specKeys(\.window) + [.size2("dilation", \.window.dilation, doc: "spacing of window taps")]
    }
}

extension MaxPool2d {
    /// ptflops' count: one per input element.
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        [.pool: try Count.units(of: input, "pooling inputs")]
    }
}
