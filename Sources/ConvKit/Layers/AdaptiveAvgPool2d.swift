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

    /// Window lengths along one axis of length `n` pooled to `m` outputs (a reference for tests;
    /// the costs use the closed forms below, which neither allocate nor loop over `m`).
    static func windows(_ n: Int, _ m: Int) -> [Int] {
        (0..<m).map { i in (((i + 1) * n + m - 1) / m) - (i * n) / m }
    }

    /// Σ_i of the window lengths, `n + m − gcd(n, m)`: window i is `⌈(r_i + n)/m⌉` long with
    /// `r_i = i·n mod m`, and summing `⌈(i+1)·n/m⌉ − ⌊i·n/m⌋` telescopes to n plus the m − gcd(n, m)
    /// windows whose end `(i+1)·n/m` is not an integer.
    static func windowSum(_ n: Int, _ m: Int) throws -> Int {
        try Checked.add(n, m - gcd(n, m), "adaptive pooling windows of \(n) pooled to \(m)")
    }

    /// The longest window, `⌈(n + m − gcd(n, m))/m⌉`: the largest `r_i` is `m − gcd(n, m)`.
    static func longestWindow(_ n: Int, _ m: Int) throws -> Int {
        let span = try windowSum(n, m)
        return span / m + (span % m == 0 ? 0 : 1)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let rows = try Self.windowSum(input.dimensions[1], outputSize.height)
        let cols = try Self.windowSum(input.dimensions[2], outputSize.width)
        // Σ over (i, j) of rowWindow(i)·colWindow(j) = (Σ rows)·(Σ cols), per channel.
        let connections = try Count.product([(rows, "\(rows) window rows"), (cols, "\(cols) window columns"),
                                             (input.dimensions[0], "\(input.dimensions[0])")], "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        let h = input.dimensions[1], w = input.dimensions[2]
        let kernel = (try Self.longestWindow(h, outputSize.height), try Self.longestWindow(w, outputSize.width))
        return try field.through(effectiveKernel: kernel, stride: (max(h / outputSize.height, 1), max(w / outputSize.width, 1)))
    }

    /// Output (i, j) reads its adaptive window: rows ⌊i·H/H'⌋ … ⌈(i+1)·H/H'⌉ − 1, likewise columns.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        mask.throughAdaptivePool(inputHeight: input.dimensions[1], inputWidth: input.dimensions[2])
    }
}

import ConvKitKernels

extension AdaptiveAvgPool2d: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        AdaptiveAvgPool2dRuntime(path: path, input: input, output: try outputShape(for: input, path: path))
    }
}

/// Output (i, j) averages rows ⌊i·H/oh⌋..<⌈(i+1)·H/oh⌉ and the matching columns.
final class AdaptiveAvgPool2dRuntime: StatelessRuntime {
    let path: String
    let input: Shape, output: Shape
    init(path: String, input: Shape, output: Shape) {
        self.path = path
        self.input = input
        self.output = output
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        var y = Tensor(shape: [x.batch] + output.dimensions)
        adaptiveAveragePoolForward(x.storage, planes: x.batch * input.dimensions[0], height: input.dimensions[1],
                                   width: input.dimensions[2], outputHeight: output.dimensions[1],
                                   outputWidth: output.dimensions[2], y: &y.storage)
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        var dx = Tensor(shape: [dy.batch] + input.dimensions)
        adaptiveAveragePoolBackward(dy.storage, planes: dy.batch * input.dimensions[0], height: input.dimensions[1],
                                    width: input.dimensions[2], outputHeight: output.dimensions[1],
                                    outputWidth: output.dimensions[2], dx: &dx.storage)
        return dx
    }
}

extension AdaptiveAvgPool2d: SpecKind {
    static let specType = "adaptiveavgpool2d"
    static let specAliases = ["globalavgpool"]
    static let specPrefix = "pool"
    static func specBlank(named name: String) -> AdaptiveAvgPool2d { AdaptiveAvgPool2d(name, outputSize: Size2(1)) }
    static var specExample: (layer: AdaptiveAvgPool2d, input: Shape) { (AdaptiveAvgPool2d("pool", outputSize: Size2(3, 2)), [2, 7, 5]) }
    static var specKeys: [SpecKey<AdaptiveAvgPool2d>] {
        [.size2("output_size", \.outputSize, .required, doc: "output height and width; 1 is global average pooling")]
    }
}

extension AdaptiveAvgPool2d {
    /// fvcore's and ptflops' count: one per input element.
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        [.adaptivepool: try Count.units(of: input, "pooling inputs")]
    }
}
