/// 2-D convolution (cross-correlation, no kernel flip) over NCHW activations.
///
/// Weights are `[out, in/groups, kh, kw]` (PyTorch's OIHW), bias `[out]`.
/// Output size per axis: `⌊(H + 2p − d(k−1) − 1)/s⌋ + 1`.
/// `groups` splits input and output channels evenly; a `connectionTable` instead lists, for
/// each output channel, the input channels it sees (LeNet-5's C3 partial connections).
///
/// Costs for output `C'×H'×W'` and `n` inputs per output unit (`(C/g)·kh·kw`, or
/// `|table[o]|·kh·kw`): weights = Σ_o n_o; MACs = H'·W'·weights; connections = MACs + units
/// with a bias.
public struct Conv2d: LeafLayer {
    public var name: String
    /// Expected input channels; `nil` means "whatever the input has" (checked when given).
    public var inChannels: Int?
    public var outChannels: Int
    public var kernel: Size2
    public var stride: Size2
    public var padding: Padding
    public var dilation: Size2
    public var groups: Int
    public var bias: Bool
    /// For each output channel, the input channels it is connected to (`groups` must be 1).
    public var connectionTable: [[Int]]?

    public var kind: String { "Conv2d" }

    public init(_ name: String, inChannels: Int? = nil, outChannels: Int, kernel: Size2, stride: Size2 = Size2(1),
                padding: Padding = .valid, dilation: Size2 = Size2(1), groups: Int = 1, bias: Bool = true,
                connectionTable: [[Int]]? = nil) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.bias = bias
        self.connectionTable = connectionTable
    }

    /// Square-kernel convenience: `Conv2d("conv1", 3, 6, kernel: 5)`.
    public init(_ name: String, _ inChannels: Int?, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(name, inChannels: inChannels, outChannels: outChannels, kernel: Size2(kernel), stride: Size2(stride),
                  padding: .explicit(Size2(padding)), dilation: Size2(dilation), groups: groups, bias: bias)
    }

    /// Effective kernel extent `d(k−1)+1` per axis.
    public var effectiveKernel: Size2 {
        Size2(dilation.height * (kernel.height - 1) + 1, dilation.width * (kernel.width - 1) + 1)
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        let channels = input.dimensions[0]
        if let expected = inChannels, expected != channels {
            throw ConvKitError.shapeMismatch(layer: path, expected: "\(expected) input channels", found: "\(channels) (input \(input))")
        }
        guard outChannels > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "out_channels must be positive, found \(outChannels)")
        }
        guard groups > 0 else { throw ConvKitError.invalidLayer(layer: path, reason: "groups must be positive, found \(groups)") }
        guard channels % groups == 0 else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "input channels divisible by groups=\(groups)", found: "\(channels) channels")
        }
        guard outChannels % groups == 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "out_channels \(outChannels) is not divisible by groups=\(groups)")
        }
        if let table = connectionTable { try validate(table: table, channels: channels, path: path) }
        let (h, w, _) = try SlidingWindow.output(layer: path, input: input, kernel: kernel, stride: stride,
                                                 padding: padding, dilation: dilation, ceilMode: false)
        return [outChannels, h, w]
    }

    private func validate(table: [[Int]], channels: Int, path: String) throws {
        guard groups == 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "a connection table requires groups=1, found groups=\(groups)")
        }
        guard table.count == outChannels else {
            throw ConvKitError.invalidLayer(layer: path, reason: "connection table has \(table.count) rows, expected one per output channel (\(outChannels))")
        }
        for (o, row) in table.enumerated() {
            guard !row.isEmpty, Set(row).count == row.count, row.allSatisfy({ (0..<channels).contains($0) }) else {
                throw ConvKitError.invalidLayer(layer: path, reason: "connection table row \(o) must list distinct input channels in 0..<\(channels), found \(row)")
            }
        }
    }

    public func shapeFormula(input: Shape, output: Shape) -> [String] {
        (try? SlidingWindow.output(layer: name, input: input, kernel: kernel, stride: stride, padding: padding,
                                   dilation: dilation, ceilMode: false).formulas) ?? []
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let (oc, oh, ow) = (output.dimensions[0], output.dimensions[1], output.dimensions[2])
        let units = try Count.units(of: output, "units of \(path)")
        let weights: Count
        let macs: Count
        if let table = connectionTable {
            let links = table.reduce(0) { $0 + $1.count }
            weights = try Count.product([(links, "\(links) table links"), (kernel.height, "\(kernel.height)"),
                                         (kernel.width, "\(kernel.width)")], "weights of \(path)")
            // Each output map has H'·W' positions; together they use every table weight once.
            macs = try Count.product([(oh, "\(oh)"), (ow, "\(ow)"), (weights.value, "\(weights.value.grouped) weights")],
                                     "MACs of \(path)")
        } else {
            let groupIn = input.dimensions[0] / groups
            let inText = groups == 1 ? "\(groupIn)" : "(\(input.dimensions[0])/\(groups))"
            weights = try Count.product([(oc, "\(oc)"), (groupIn, inText), (kernel.height, "\(kernel.height)"),
                                         (kernel.width, "\(kernel.width)")], "weights of \(path)")
            // Every output unit reads (C/g)·kh·kw inputs.
            let perUnit = try Checked.product([groupIn, kernel.height, kernel.width], "inputs per unit of \(path)")
            macs = try Count.product([(units.value, "\(units.value.grouped) units"),
                                      (perUnit, "(\(inText)·\(kernel.height)·\(kernel.width))")], "MACs of \(path)")
        }
        let biases = bias ? Count(oc, formula: oc.grouped) : .zero
        return LayerCost(units: units, weights: weights, biases: biases, macs: macs,
                         connections: try LayerCost.weightedConnections(macs: macs, units: units, hasBias: bias))
    }

    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        try field.through(effectiveKernel: effectiveKernel.tuple, stride: stride.tuple)
    }
}
