/// 2-D transposed convolution over NCHW activations (PyTorch's `nn.ConvTranspose2d`): the adjoint
/// (gradient with respect to the input) of the ``Conv2d`` with the same kernel, stride, padding,
/// dilation and groups, mapping `C×H×W` to `C'×H'×W'`.
///
/// Weights are `[in, out/groups, kh, kw]` (PyTorch's IOHW for transposed convolutions), bias
/// `[out]`; state_dict keys `name.weight`, `name.bias`. Input pixel `(a, b)` of channel `c`
/// adds `w[c, o, t, u]·x[c, a, b]` to output `(a·s − p + t·d, b·s − p + u·d)` of every output
/// channel `o` of its group, where that lies inside the output.
///
/// Output size per axis: `H' = (H−1)·s − 2p + d(k−1) + output_padding + 1`; `output_padding`
/// (extra rows/columns at the bottom/right, which only the bias reaches) must be smaller than
/// `max(stride, dilation)`, as PyTorch requires.
///
/// Costs (per example): units = `C'·H'·W'`; weights = `C·(C'/g)·kh·kw`; biases = `C'`;
/// MACs = input elements × `(C'/g)·kh·kw` = `C·H·W·(C'/g)·kh·kw` (every input pixel is
/// multiplied into a `(C'/g)×kh×kw` block, bias excluded, taps that land in the cropped padding
/// included); connections = MACs + units with a bias.
///
/// Receptive field (see ``ReceptiveField``): output row `i` reads the input rows `a` with
/// `i = a·s − p + t·d` for a tap `t`, which lie in `⌈(i + p − d(k−1))/s⌉ … ⌊(i + p)/s⌋`: the
/// field reaches `δ = (k_eff − s)/s` input units beyond one (k_eff = d(k−1)+1) and the jump is
/// divided by `s`. On the image a stride-2 3×3 layer gives `r = 1 + ⌈1/2⌉ = 2`, `j = 1/2`
/// (each output reads one input row or two, alternately); a stride-2 4×4 layer `r = 2`.
public struct ConvTranspose2d: LeafLayer {
    public var name: String
    /// Expected input channels; `nil` means "whatever the input has" (checked when given).
    public var inChannels: Int?
    public var outChannels: Int
    public var kernel: Size2
    public var stride: Size2
    /// Rows/columns cropped from both sides of the full output (PyTorch's `padding`).
    public var padding: Size2
    /// Rows/columns added at the bottom/right (PyTorch's `output_padding`), `< max(stride, dilation)`.
    public var outputPadding: Size2
    public var dilation: Size2
    public var groups: Int
    public var bias: Bool

    public var kind: String { "ConvTranspose2d" }

    public init(_ name: String, inChannels: Int? = nil, outChannels: Int, kernel: Size2, stride: Size2 = Size2(1),
                padding: Size2 = Size2(0), outputPadding: Size2 = Size2(0), dilation: Size2 = Size2(1), groups: Int = 1,
                bias: Bool = true) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
        self.bias = bias
    }

    /// Square-kernel convenience: `ConvTranspose2d("up1", 16, 8, kernel: 4, stride: 2, padding: 1)`.
    public init(_ name: String, _ inChannels: Int?, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(name, inChannels: inChannels, outChannels: outChannels, kernel: Size2(kernel), stride: Size2(stride),
                  padding: Size2(padding), outputPadding: Size2(outputPadding), dilation: Size2(dilation), groups: groups, bias: bias)
    }

    /// Effective kernel extent `d(k−1)+1` per axis.
    public var effectiveKernel: Size2 {
        Size2(dilation.height * (kernel.height - 1) + 1, dilation.width * (kernel.width - 1) + 1)
    }

    /// `(H−1)·s − 2p + d(k−1) + output_padding + 1` along one axis, overflow-checked, with its arithmetic.
    static func outputLength(input: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int, dilation: Int,
                             path: String) throws -> (length: Int, formula: String) {
        let what = "output size of \(path) (input \(input), kernel \(kernel), stride \(stride), padding \(padding), output_padding \(outputPadding), dilation \(dilation))"
        let span = try Checked.multiply(input - 1, stride, what)
        let taps = try Checked.multiply(dilation, kernel - 1, what)
        let length = try Checked.add(try Checked.add(try Checked.add(span, -(try Checked.multiply(2, padding, what)), what), taps, what),
                                     try Checked.add(outputPadding, 1, what), what)
        let kernelText = "\(dilation)·(\(kernel)−1)"
        return (length, "(\(input)−1)·\(stride) − 2·\(padding) + \(kernelText) + \(outputPadding) + 1 = \(length)")
    }

    /// Validates the hyper-parameters against `input` and returns the output size per axis with its arithmetic.
    func geometry(for input: Shape, path: String) throws -> (height: Int, width: Int, formulas: [String]) {
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
        guard kernel.height > 0, kernel.width > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "kernel size must be positive, found \(kernel)")
        }
        guard stride.height > 0, stride.width > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "stride must be positive, found \(stride)")
        }
        guard dilation.height > 0, dilation.width > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "dilation must be positive, found \(dilation)")
        }
        guard padding.height >= 0, padding.width >= 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "padding must be non-negative, found \(padding)")
        }
        guard outputPadding.height >= 0, outputPadding.width >= 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "output_padding must be non-negative, found \(outputPadding)")
        }
        for (axis, op, s, d) in [("height", outputPadding.height, stride.height, dilation.height),
                                 ("width", outputPadding.width, stride.width, dilation.width)] where op >= max(s, d) {
            throw ConvKitError.invalidLayer(layer: path, reason: "output_padding must be smaller than either stride or dilation, found output_padding \(op) with stride \(s) and dilation \(d) along the \(axis)")
        }
        let h = try Self.outputLength(input: input.dimensions[1], kernel: kernel.height, stride: stride.height, padding: padding.height,
                                      outputPadding: outputPadding.height, dilation: dilation.height, path: path)
        let w = try Self.outputLength(input: input.dimensions[2], kernel: kernel.width, stride: stride.width, padding: padding.width,
                                      outputPadding: outputPadding.width, dilation: dilation.width, path: path)
        guard h.length > 0, w.length > 0 else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "a positive output size (H−1)·s − 2p + d(k−1) + output_padding + 1",
                                             found: "\(h.length)×\(w.length) for input \(input) (padding \(padding) crops more than the full output)")
        }
        return (h.length, w.length, ["H' = " + h.formula, "W' = " + w.formula])
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        let (h, w, _) = try geometry(for: input, path: path)
        return [outChannels, h, w]
    }

    public func shapeFormula(input: Shape, output: Shape) -> [String] {
        (try? geometry(for: input, path: name).formulas) ?? []
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let (c, h, w) = (input.dimensions[0], input.dimensions[1], input.dimensions[2])
        let units = try Count.units(of: output, "units of \(path)")
        let groupOut = outChannels / groups
        let outText = groups == 1 ? "\(groupOut)" : "(\(outChannels)/\(groups))"
        let weights = try Count.product([(c, "\(c)"), (groupOut, outText), (kernel.height, "\(kernel.height)"),
                                         (kernel.width, "\(kernel.width)")], "weights of \(path)")
        // Every input element is multiplied into a (C'/g)·kh·kw block of outputs.
        let inputs = try Checked.product([c, h, w], "input elements of \(path)")
        let perInput = try Checked.product([groupOut, kernel.height, kernel.width], "outputs per input of \(path)")
        let macs = try Count.product([(inputs, "\(inputs.grouped) inputs (\(h)·\(w)·\(c))"),
                                      (perInput, "(\(outText)·\(kernel.height)·\(kernel.width))")], "MACs of \(path)")
        let biases = bias ? Count(outChannels, formula: outChannels.grouped) : .zero
        return LayerCost(units: units, weights: weights, biases: biases, macs: macs,
                         connections: try LayerCost.weightedConnections(macs: macs, units: units, hasBias: bias))
    }

    /// Per axis: reach `(k_eff − s)/s` input units, ratio `1/s`.
    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        _ = try geometry(for: input, path: path)  // strides are positive from here on
        let k = effectiveKernel
        return try field.upsampled(reach: (Rational(k.height - stride.height, stride.height), Rational(k.width - stride.width, stride.width)),
                                   ratio: (Rational(1, stride.height), Rational(1, stride.width)))
    }

    public func receptiveFieldFormula(from before: ReceptiveField, to after: ReceptiveField, input: Shape) -> String {
        after.upsamplingFormula(from: before, reach: "(\(effectiveKernel.height)−\(stride.height))/\(stride.height)",
                                ratio: "1/\(stride.height)")
    }

    /// Output row i reads the input rows a with `i = a·s − p + t·d` for some tap t in 0..<k (likewise
    /// columns), of every input channel of its group. The unclipped extent maps rows `[r0, r1]` to
    /// `[⌈(r0 + p − d(k−1))/s⌉, ⌊(r1 + p)/s⌋]`, holes included (a row whose taps all miss the
    /// stride's multiples, possible when `d(k−1)+1 < s` or with dilation, reads nothing).
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        let (inputHeight, inputWidth) = (input.dimensions[1], input.dimensions[2])
        func sources(_ i: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int, _ n: Int) -> [Int] {
            (0..<k).compactMap { t in
                let numerator = i + p - t * d
                guard numerator >= 0, numerator % s == 0, numerator / s < n else { return nil }
                return numerator / s
            }
        }
        let rows = (0..<mask.height).map { sources($0, kernel.height, stride.height, padding.height, dilation.height, inputHeight) }
        let columns = (0..<mask.width).map { sources($0, kernel.width, stride.width, padding.width, dilation.width, inputWidth) }
        var bits = [Bool](repeating: false, count: inputHeight * inputWidth)
        for i in 0..<mask.height {
            for j in 0..<mask.width where mask[i, j] {
                for a in rows[i] { for b in columns[j] { bits[a * inputWidth + b] = true } }
            }
        }
        func floorDivision(_ x: Int, _ s: Int) -> Int { x >= 0 ? x / s : -((-x + s - 1) / s) }
        func span(_ range: ClosedRange<Int>, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> ClosedRange<Int> {
            // ⌈x/s⌉ = −⌊−x/s⌋.
            let low = -floorDivision(-(range.lowerBound + p - d * (k - 1)), s)
            let high = floorDivision(range.upperBound + p, s)
            return low...max(low, high)
        }
        return PixelMask(height: inputHeight, width: inputWidth, bits: bits,
                         unclippedRows: span(mask.unclippedRows, kernel.height, stride.height, padding.height, dilation.height),
                         unclippedColumns: span(mask.unclippedColumns, kernel.width, stride.width, padding.width, dilation.width))
    }
}

import ConvKitKernels

extension ConvTranspose2d: InstantiableLayer {
    /// The ordinary convolution this layer transposes: from the output `C'×H'×W'` (per group
    /// C'/g channels) to the input `C×H×W`, with this layer's kernel, stride, padding and dilation.
    func convolution(input: Shape, output: Shape) -> ConvolutionShape {
        let window = WindowGeometry(channels: outChannels / groups, height: output.dimensions[1], width: output.dimensions[2],
                                    kernelHeight: kernel.height, kernelWidth: kernel.width,
                                    strideHeight: stride.height, strideWidth: stride.width, padTop: padding.height, padLeft: padding.width,
                                    dilationHeight: dilation.height, dilationWidth: dilation.width,
                                    outputHeight: input.dimensions[1], outputWidth: input.dimensions[2])
        return ConvolutionShape(window: window, groups: groups, outputChannels: input.dimensions[0])
    }

    /// PyTorch's default initialisation: `kaiming_uniform_(a=√5)` on the weight and `U(±1/√fan_in)`
    /// on the bias, drawn in that order, where `_calculate_fan_in_and_fan_out` takes fan_in from
    /// the weight's dimension 1 — for a transposed convolution `(C'/g)·kh·kw`.
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        let weightShape = [input.dimensions[0], outChannels / groups, kernel.height, kernel.width]
        let fanIn = weightShape[1] * kernel.height * kernel.width
        let weight = Parameter(name: joinPath(path, "weight"),
                               value: try Tensor(shape: weightShape, values: pytorchDefaultUniform(count: weightShape.reduce(1, *), fanIn: fanIn, random: &random)))
        let biasParameter = bias ? Parameter(name: joinPath(path, "bias"),
                                             value: try Tensor(shape: [outChannels], values: pytorchDefaultUniform(count: outChannels, fanIn: fanIn, random: &random))) : nil
        return ConvTranspose2dRuntime(path: path, input: input, output: output, convolution: convolution(input: input, output: output),
                                      weight: weight, bias: biasParameter)
    }
}

/// A transposed convolution through the kernels of the convolution it transposes
/// (``transposedConvolutionForward(_:weight:bias:_:batch:y:columns:threads:)``): forward is that
/// convolution's input gradient, Y_g = col2im(W_gᵀ · X_g) + b; backward computes ∂L/∂x as its
/// forward pass over ∂L/∂y, W_g · im2col(dY_g), and ∂L/∂W as its weight gradient with x in place of
/// its output gradient, X_g · im2col(dY_g)ᵀ (keeping the column matrices between the two when they
/// fit); ∂L/∂b = Σ_plane ∂L/∂y.
final class ConvTranspose2dRuntime: LayerRuntime, SavesActivations {
    let path: String
    let input: Shape, output: Shape
    /// The convolution from the output shape to the input shape.
    let conv: ConvolutionShape
    let weight: Parameter
    let bias: Parameter?
    private var savedInput = Tensor(shape: [0])
    private var columns: [Float] = []
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])
    private var zeroGradient = Tensor(shape: [0])
    private var partialW: [Float] = []
    private var partialB: [Float] = []

    init(path: String, input: Shape, output: Shape, convolution: ConvolutionShape, weight: Parameter, bias: Parameter?) {
        self.path = path
        self.input = input
        self.output = output
        self.conv = convolution
        self.weight = weight
        self.bias = bias
    }

    var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    func releaseSavedActivations() { savedInput = Tensor(shape: [0]) }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        var y = reuse(&outputBuffer, shape: [x.batch] + output.dimensions)
        transposedConvolutionForward(x.storage, weight: weight.value.storage, bias: bias?.value.storage, conv, batch: x.batch,
                                     y: &y.storage, columns: &columns, threads: context.threads)
        savedInput = x
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        let x = savedInput
        let n = x.batch
        let needsInput = context.needsInputGradient
        var dx = needsInput ? reuse(&gradientBuffer, shape: x.shape) : Tensor(shape: [0])
        // The column matrices of dy, unfolded for ∂L/∂x, serve ∂L/∂W too when they fit.
        let keep = needsInput && n * conv.keptCountPerImage * MemoryLayout<Float>.size <= Conv2dRuntime.keptColumnsLimit
        if needsInput {
            convolutionForward(dy.storage, weight: weight.value.storage, bias: nil, conv, batch: n, y: &dx.storage,
                               columns: &columns, keepColumns: keep, threads: context.threads)
        }
        var noBias: [Float] = []
        var noInput: [Float] = []
        convolutionBackward(x.storage, input: dy.storage, weight: weight.value.storage, conv, batch: n,
                            weightGradient: &weight.gradient.storage, biasGradient: &noBias, mask: nil,
                            dx: &noInput, needsInputGradient: false, columns: &columns, columnsKept: keep,
                            partialWeights: &partialW, partialBiases: &partialB, threads: context.threads)
        if let bias {
            addChannelSums(dy.storage, batch: n, channels: output.dimensions[0], plane: output.dimensions[1] * output.dimensions[2],
                           into: &bias.gradient.storage)
        }
        releaseSavedActivations()
        guard needsInput else { return zeros(&zeroGradient, shape: x.shape) }
        gradientBuffer = dx
        return dx
    }
}

extension ConvTranspose2d: SpecKind {
    static let specType = "convtranspose2d"
    static let specAliases = ["deconv"]
    static let specPrefix = "deconv"
    static func specBlank(named name: String) -> ConvTranspose2d { ConvTranspose2d(name, outChannels: 1, kernel: Size2(1)) }
    static var specExample: (layer: ConvTranspose2d, input: Shape) {
        (ConvTranspose2d("deconv", inChannels: 4, outChannels: 6, kernel: Size2(3, 2), stride: Size2(2, 1), padding: Size2(1, 0),
                         outputPadding: Size2(1, 1), dilation: Size2(1, 2), groups: 2, bias: false), [4, 4, 5])
    }
    static var specKeys: [SpecKey<ConvTranspose2d>] {
        [
            .checkedPositiveInt("in_channels", \.inChannels, doc: "input channels, checked against the input when given"),
            .positiveInt("out_channels", \.outChannels, .required, doc: "output channels"),
            .size2("kernel_size", \.kernel, .required, doc: "kernel height and width"),
            .size2("stride", \.stride, doc: "upsampling factor: input pixels land s apart"),
            .size2AllowingZero("padding", \.padding, doc: "rows and columns cropped from each side of the full output"),
            .size2AllowingZero("output_padding", \.outputPadding, doc: "extra rows and columns at the bottom and right, < max(stride, dilation)"),
            .size2("dilation", \.dilation, doc: "spacing of kernel taps"),
            .positiveInt("groups", \.groups, doc: "splits input and output channels evenly"),
            .bool("bias", \.bias, doc: "adds a bias per output channel"),
        ]
    }
}

extension ConvTranspose2d {
    /// One bias addition per output element when the layer has a bias (torchinfo's and ptflops' count).
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        guard bias else { return [:] }
        return [.bias: try Count.units(of: output, "bias additions")]
    }
}
