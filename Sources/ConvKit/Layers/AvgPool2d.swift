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
        if let problem = Self.dilationProblem(window) { throw ConvKitError.invalidLayer(layer: path, reason: problem) }
        return try window.outputShape(for: input, path: path)
    }

    /// What is wrong with `window` for average pooling (a dilation), or `nil`; its spec has no `dilation` key.
    static func dilationProblem(_ window: PoolingWindow) -> String? {
        window.dilation == Size2(1) ? nil : "average pooling has no dilation, found \(window.dilation)"
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

extension AvgPool2d: SpecKind {
    static let specType = "avgpool2d"
    static let specAliases = ["avgpool"]
    static let specPrefix = "pool"
    static func specBlank(named name: String) -> AvgPool2d { AvgPool2d(name, window: PoolingWindow(kernel: Size2(1))) }
    static var specExample: (layer: AvgPool2d, input: Shape) {
        (AvgPool2d("pool", window: PoolingWindow(kernel: Size2(2, 3), stride: Size2(1, 2), padding: Size2(1, 1), ceilMode: true),
                   countIncludePad: false), [2, 7, 8])
    }
    static var specKeys: [SpecKey<AvgPool2d>] {
        PoolingWindow.specKeys(\.window) + [
            .bool("count_include_pad", \.countIncludePad, doc: "divides by the whole window, padding included"),
        ]
    }
    static func specProblem(_ layer: AvgPool2d) -> String? { dilationProblem(layer.window) }
}

extension AvgPool2d {
    /// ptflops' count: one per input element.
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        [.pool: try Count.units(of: input, "pooling inputs")]
    }
}
