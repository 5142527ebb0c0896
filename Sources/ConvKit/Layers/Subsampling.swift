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
}
