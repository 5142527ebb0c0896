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

    /// Output (i, j) reads rows `i·s − p + a·d` (a in 0..<k) and likewise columns, of every input channel.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        mask.throughWindow(WindowRule(geometry(input: input, output: output)), inputHeight: input.dimensions[1], inputWidth: input.dimensions[2])
    }
}

import ConvKitKernels

extension Conv2d: InstantiableLayer {
    /// The kernel geometry for one group of input channels of an input `C×H×W`.
    func geometry(input: Shape, output: Shape) -> WindowGeometry {
        let (h, w) = (input.dimensions[1], input.dimensions[2])
        let (oh, ow) = (output.dimensions[1], output.dimensions[2])
        var pad = SlidingWindow.explicitPadding(padding)
        if case .same = padding {
            // Total padding (out−1)·s + d(k−1) + 1 − H, the smaller half on top/left.
            pad = Size2(max((oh - 1) * stride.height + effectiveKernel.height - h, 0) / 2,
                        max((ow - 1) * stride.width + effectiveKernel.width - w, 0) / 2)
        }
        return WindowGeometry(channels: input.dimensions[0] / groups, height: h, width: w,
                              kernelHeight: kernel.height, kernelWidth: kernel.width,
                              strideHeight: stride.height, strideWidth: stride.width, padTop: pad.height, padLeft: pad.width,
                              dilationHeight: dilation.height, dilationWidth: dilation.width, outputHeight: oh, outputWidth: ow)
    }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        let g = geometry(input: input, output: output)
        let fanIn = g.columnRows
        let weightShape = [outChannels, input.dimensions[0] / groups, kernel.height, kernel.width]
        var mask: [Float]?
        var weights = pytorchDefaultUniform(count: weightShape.reduce(1, *), fanIn: fanIn, random: &random)
        if let table = connectionTable {
            // Weights between unconnected maps are fixed at zero.
            var m = [Float](repeating: 0, count: weights.count)
            let perPair = kernel.height * kernel.width
            for (o, inputs) in table.enumerated() {
                for c in inputs { for t in 0..<perPair { m[(o * input.dimensions[0] + c) * perPair + t] = 1 } }
            }
            for i in weights.indices { weights[i] *= m[i] }
            mask = m
        }
        let weight = Parameter(name: joinPath(path, "weight"), value: try Tensor(shape: weightShape, values: weights), mask: mask)
        let biasParameter = bias ? Parameter(name: joinPath(path, "bias"),
                                             value: try Tensor(shape: [outChannels], values: pytorchDefaultUniform(count: outChannels, fanIn: fanIn, random: &random))) : nil
        return Conv2dRuntime(path: path, input: input, output: output, geometry: g, groups: groups, weight: weight, bias: biasParameter)
    }
}

/// Convolution by im2col + GEMM, per image, parallel over chunks of the batch (the kernel
/// ``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:relu:threads:)`` and its backward).
/// Forward per group g: Y_g (O/g × P) = W_g (O/g × K) · col_g (K × P), K = (C/g)·kh·kw, P = oh·ow.
/// Backward: dW_g += dY_g · col_gᵀ; dcol_g = W_gᵀ · dY_g, folded back with col2im; db = Σ_P dY.
/// 3×3 stride-1 layers of at least 8 channels on maps over 3×3 run Winograd F(2×2, 3×3) instead
/// (``ConvolutionAlgorithm``; `CONVKIT_CONVOLUTION=im2col` turns it off).
/// The column buffers (one per chunk) and per-chunk gradient buffers are kept across steps.
final class Conv2dRuntime: LayerRuntime, SavesActivations {
    let path: String
    let input: Shape, output: Shape
    let conv: ConvolutionShape
    let weight: Parameter
    let bias: Parameter?
    private var savedInput = Tensor(shape: [0])
    /// Column matrices (K×P each), reused across steps: one per chunk, or in training one per
    /// image (when they fit ``keptColumnsLimit``), so that backward need not unfold the input again.
    private var columns: [Float] = []
    /// Whether `columns` holds the forward pass's column matrix of every image of `savedInput`.
    private var columnsKept = false
    /// Largest per-image column storage kept between forward and backward (bytes): beyond it
    /// (batch 64 for LeNet-5's conv1) unfolding again from cache beats reading them back.
    static let keptColumnsLimit = 4 << 20
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])
    private var zeroGradient = Tensor(shape: [0])
    /// Whether the outputs are max(0, ·) (a ReLU absorbed through ``ActivationEpilogue``).
    private(set) var appliesReLU = false
    /// Per-chunk partial ∂L/∂W and ∂L/∂b (chunk-major), used when more than one chunk runs.
    private var partialW: [Float] = []
    private var partialB: [Float] = []

    init(path: String, input: Shape, output: Shape, geometry: WindowGeometry, groups: Int, weight: Parameter, bias: Parameter?) {
        self.path = path
        self.input = input
        self.output = output
        self.conv = ConvolutionShape(window: geometry, groups: groups, outputChannels: output.dimensions[0])
        self.weight = weight
        self.bias = bias
    }

    var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    func releaseSavedActivations() {
        savedInput = Tensor(shape: [0])
        columnsKept = false
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        let n = x.batch
        var y = reuse(&outputBuffer, shape: [n] + output.dimensions)
        // Training keeps every image's columns for backward when they fit; otherwise one per chunk.
        let keep = context.training && n * conv.keptCountPerImage * MemoryLayout<Float>.size <= Self.keptColumnsLimit
        columnsKept = keep
        convolutionForward(x.storage, weight: weight.value.storage, bias: bias?.value.storage, conv, batch: n,
                           y: &y.storage, columns: &columns, keepColumns: keep, relu: appliesReLU, threads: context.threads)
        savedInput = x
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        let x = savedInput
        let needsInput = context.needsInputGradient
        var dx = needsInput ? reuse(&gradientBuffer, shape: x.shape, zeroed: true) : Tensor(shape: [0])
        // Gradients accumulate into the parameters; a layer without bias passes an empty bias gradient.
        var noBias: [Float] = []
        func run(_ biasGradient: inout [Float]) {
            convolutionBackward(dy.storage, input: x.storage, weight: weight.value.storage, conv, batch: x.batch,
                                weightGradient: &weight.gradient.storage, biasGradient: &biasGradient, mask: weight.mask,
                                dx: &dx.storage, needsInputGradient: needsInput, columns: &columns, columnsKept: columnsKept,
                                partialWeights: &partialW, partialBiases: &partialB, threads: context.threads)
        }
        if let bias { run(&bias.gradient.storage) } else { run(&noBias) }
        releaseSavedActivations()
        guard needsInput else { return zeros(&zeroGradient, shape: x.shape) }
        gradientBuffer = dx
        return dx
    }
}

extension Conv2dRuntime: ActivationEpilogue {
    /// A ReLU: applied by the convolution as it stores its outputs (``convolutionForward(_:weight:bias:_:batch:y:columns:keepColumns:relu:threads:)``).
    /// Its backward is unchanged: the ReLU's own backward masks ∂L/∂y before it arrives here.
    func absorb(_ activation: ActivationKernel) -> Bool {
        guard activation == .relu else { return false }
        appliesReLU = true
        return true
    }
}

extension Conv2d: SpecKind {
    static let specType = "conv2d"
    static let specAliases = ["conv"]
    static let specPrefix = "conv"
    static func specBlank(named name: String) -> Conv2d { Conv2d(name, outChannels: 1, kernel: Size2(1)) }
    static var specExample: (layer: Conv2d, input: Shape) {
        (Conv2d("conv", inChannels: 4, outChannels: 6, kernel: Size2(3, 2), stride: Size2(2, 1), padding: .explicit(Size2(1, 0)),
                dilation: Size2(1, 2), groups: 2, bias: false), [4, 9, 9])
    }
    static var specKeys: [SpecKey<Conv2d>] {
        [
            .checkedPositiveInt("in_channels", \.inChannels, doc: "input channels, checked against the input when given"),
            .positiveInt("out_channels", \.outChannels, .required, doc: "output channels"),
            .size2("kernel_size", \.kernel, .required, doc: "kernel height and width"),
            .size2("stride", \.stride, doc: "step between windows"),
            .padding("padding", \.padding, doc: "zeros around the input; same keeps ⌈H/s⌉"),
            .size2("dilation", \.dilation, doc: "spacing of kernel taps"),
            .positiveInt("groups", \.groups, doc: "splits input and output channels evenly"),
            .bool("bias", \.bias, doc: "adds a bias per output channel"),
            SpecKey(name: "connection_table", requirement: .optional(default: "none"), typeText: "list of lists of int",
                    doc: "per output channel, the input channels it sees (groups 1)",
                    decode: { node, conv, _ in
                        conv.connectionTable = try node.list("connection_table").map { row in
                            try row.list("connection_table row").map { try $0.int("input channel") }
                        }
                    },
                    encode: { conv in conv.connectionTable.map { .inline("[" + $0.map(SpecText.list).joined(separator: ", ") + "]") } }),
        ]
    }
}

extension Conv2d {
    /// One bias addition per output element when the layer has a bias (torchinfo's and ptflops' count).
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        guard bias else { return [:] }
        return [.bias: try Count.units(of: output, "bias additions")]
    }
}
