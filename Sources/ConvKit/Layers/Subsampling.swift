/// LeCun's trainable subsampling (LeCun et al. 1998, layers S2 and S4): each output is the sum
/// of a `k×k` non-overlapping window of one map, times one trainable coefficient per map, plus
/// one trainable bias per map: `y = w_c · Σ x + b_c`.
///
/// Costs for `C` maps: weights = C, biases = C; MACs = units·k² (as a depthwise convolution
/// whose k×k kernel entries are all `w_c`); connections = units·(k² + 1), as in the paper
/// (S2: 1,176·5 = 5,880).
public struct Subsampling: LeafLayer {
    public var name: String
    public var kernel: Int
    public var kind: String { "Subsampling" }

    public init(_ name: String, kernel: Int = 2) {
        self.name = name
        self.kernel = kernel
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        let (h, w, _) = try SlidingWindow.output(layer: path, input: input, kernel: Size2(kernel), stride: Size2(kernel),
                                                 padding: .valid, dilation: Size2(1), ceilMode: false)
        return [input.dimensions[0], h, w]
    }

    public func shapeFormula(input: Shape, output: Shape) -> [String] {
        (try? SlidingWindow.output(layer: name, input: input, kernel: Size2(kernel), stride: Size2(kernel), padding: .valid,
                                   dilation: Size2(1), ceilMode: false).formulas) ?? []
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let c = output.dimensions[0]
        let units = try Count.units(of: output, "units of \(path)")
        let macs = try Count.product([(units.value, units.value.grouped), (kernel, "\(kernel)"), (kernel, "\(kernel)")], "MACs of \(path)")
        return LayerCost(units: units, weights: Count(c, formula: c.grouped), biases: Count(c, formula: c.grouped), macs: macs,
                         connections: try LayerCost.weightedConnections(macs: macs, units: units, hasBias: true))
    }

    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        try field.through(effectiveKernel: (kernel, kernel), stride: (kernel, kernel))
    }

    /// Output (i, j) reads the k×k block starting at (i·k, j·k) of the same channel.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        mask.throughWindow(WindowRule(kernel: Size2(kernel), stride: Size2(kernel), padding: Size2(0), dilation: Size2(1)),
                           inputHeight: input.dimensions[1], inputWidth: input.dimensions[2])
    }
}

extension Subsampling: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        let c = input.dimensions[0]
        // Like a depthwise convolution: fan-in k², PyTorch-style uniform initialisation.
        let fanIn = kernel * kernel
        let weight = Parameter(name: joinPath(path, "weight"), value: try Tensor(shape: [c], values: pytorchDefaultUniform(count: c, fanIn: fanIn, random: &random)))
        let bias = Parameter(name: joinPath(path, "bias"), value: try Tensor(shape: [c], values: pytorchDefaultUniform(count: c, fanIn: fanIn, random: &random)))
        return SubsamplingRuntime(path: path, input: input, output: output, kernel: kernel, weight: weight, bias: bias)
    }
}

/// y[c, i, j] = w_c · Σ_{k×k window} x + b_c; dx = w_c·dy on each window; dw_c = Σ dy·(Σ x); db_c = Σ dy.
final class SubsamplingRuntime: LayerRuntime {
    let path: String
    let input: Shape, output: Shape
    let kernel: Int
    let weight: Parameter, bias: Parameter
    private var windowSums: [Float] = []
    var parameters: [Parameter] { [weight, bias] }

    init(path: String, input: Shape, output: Shape, kernel: Int, weight: Parameter, bias: Parameter) {
        self.path = path
        self.input = input
        self.output = output
        self.kernel = kernel
        self.weight = weight
        self.bias = bias
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        let (c, h, w, oh, ow) = (input.dimensions[0], input.dimensions[1], input.dimensions[2], output.dimensions[1], output.dimensions[2])
        var y = Tensor(shape: [x.batch] + output.dimensions)
        windowSums = [Float](repeating: 0, count: y.count)
        for plane in 0..<(x.batch * c) {
            let channel = plane % c
            for i in 0..<oh {
                for j in 0..<ow {
                    var sum: Float = 0
                    for a in 0..<kernel { for b in 0..<kernel { sum += x.storage[plane * h * w + (i * kernel + a) * w + j * kernel + b] } }
                    let o = plane * oh * ow + i * ow + j
                    windowSums[o] = sum
                    y.storage[o] = weight.value.storage[channel] * sum + bias.value.storage[channel]
                }
            }
        }
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        let (c, h, w, oh, ow) = (input.dimensions[0], input.dimensions[1], input.dimensions[2], output.dimensions[1], output.dimensions[2])
        var dx = Tensor(shape: [dy.batch] + input.dimensions)
        for plane in 0..<(dy.batch * c) {
            let channel = plane % c
            for i in 0..<oh {
                for j in 0..<ow {
                    let o = plane * oh * ow + i * ow + j
                    let d = dy.storage[o]
                    weight.gradient.storage[channel] += d * windowSums[o]
                    bias.gradient.storage[channel] += d
                    let share = d * weight.value.storage[channel]
                    for a in 0..<kernel { for b in 0..<kernel { dx.storage[plane * h * w + (i * kernel + a) * w + j * kernel + b] += share } }
                }
            }
        }
        return dx
    }
}

extension Subsampling: SpecKind {
    static let specType = "subsampling"
    static let specPrefix = "subsample"
    static func specBlank(named name: String) -> Subsampling { Subsampling(name) }
    static var specExample: (layer: Subsampling, input: Shape) { (Subsampling("subsample", kernel: 3), [2, 9, 7]) }
    static var specKeys: [SpecKey<Subsampling>] {
        [.positiveInt("kernel_size", \.kernel, .optionalAlwaysWritten,
                      doc: "window of LeCun's trainable subsampling (sum × weight + bias per map)")]
    }
}
