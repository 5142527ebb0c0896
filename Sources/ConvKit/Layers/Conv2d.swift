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

/// Convolution by im2col + GEMM, per image, parallel over chunks of the batch.
/// Forward per group g: Y_g (O/g × P) = W_g (O/g × K) · col_g (K × P), K = (C/g)·kh·kw, P = oh·ow.
/// Backward: dW_g += dY_g · col_gᵀ; dcol_g = W_gᵀ · dY_g, folded back with col2im; db = Σ_P dY.
/// The column buffers (one per chunk) and per-chunk gradient buffers are kept across steps.
final class Conv2dRuntime: LayerRuntime, SavesActivations {
    let path: String
    let input: Shape, output: Shape
    let g: WindowGeometry
    let groups: Int
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
    /// Per-chunk partial ∂L/∂W and ∂L/∂b (chunk-major), used when more than one chunk runs.
    private var partialW: [Float] = []
    private var partialB: [Float] = []

    init(path: String, input: Shape, output: Shape, geometry: WindowGeometry, groups: Int, weight: Parameter, bias: Parameter?) {
        self.path = path
        self.input = input
        self.output = output
        self.g = geometry
        self.groups = groups
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
        let (c, o) = (input.dimensions[0], output.dimensions[0])
        let (k, p) = (g.columnRows, g.columnCount)
        let (og, cg) = (o / groups, c / groups)
        let inPlane = g.height * g.width
        var y = reuse(&outputBuffer, shape: [n] + output.dimensions)
        let chunks = min(context.threads, n)
        // Training keeps every image's columns for backward when they fit; otherwise one per chunk.
        let keep = context.training && n * groups * k * p * MemoryLayout<Float>.size <= Self.keptColumnsLimit
        reserve(&columns, keep ? n * groups * k * p : chunks * k * p)
        columnsKept = keep
        let g = self.g
        let groups = self.groups
        x.storage.withUnsafeBufferPointer { xs in
            weight.value.storage.withUnsafeBufferPointer { ws in
                y.storage.withUnsafeMutableBufferPointer { ys in
                    columns.withUnsafeMutableBufferPointer { cols in
                        let (xp, wp, yp, colp) = (xs.baseAddress!, ws.baseAddress!, ys.baseAddress!, cols.baseAddress!)
                        let biasValues = bias?.value.storage
                        parallelFor(chunks: chunks, threads: context.threads) { chunk in
                            for image in chunkRange(chunk, of: chunks, count: n) {
                                for group in 0..<groups {
                                    let col = colp + (keep ? image * groups + group : chunk) * k * p
                                    im2col(xp + (image * c + group * cg) * inPlane, g, into: col)
                                    sgemm(transposeA: false, transposeB: false, m: og, n: p, k: k,
                                          a: wp + group * og * k, lda: k, b: col, ldb: p,
                                          beta: 0, c: yp + (image * o + group * og) * p, ldc: p)
                                }
                                if let biasValues {
                                    for channel in 0..<o {
                                        addScalar(biasValues[channel], to: yp + (image * o + channel) * p, count: p)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        savedInput = x
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        let x = savedInput
        let n = x.batch
        let (c, o) = (input.dimensions[0], output.dimensions[0])
        let (k, p) = (g.columnRows, g.columnCount)
        let (og, cg) = (o / groups, c / groups)
        let inPlane = g.height * g.width
        let chunks = min(context.threads, n)
        let needsInput = context.needsInputGradient
        var dx = needsInput ? reuse(&gradientBuffer, shape: x.shape, zeroed: true) : Tensor(shape: [0])
        let weightCount = weight.value.count
        // One chunk accumulates straight into the gradients; several write per-chunk partials
        // that are summed in chunk order below (deterministic for a given thread count).
        let direct = chunks == 1
        let kept = columnsKept && columns.count >= n * groups * k * p
        if !kept { reserve(&columns, chunks * k * p) }
        if !direct {
            reserve(&partialW, chunks * weightCount)
            reserve(&partialB, chunks * o)
        }
        let g = self.g
        let groups = self.groups
        let hasBias = bias != nil
        withGradientTargets(direct: direct) { gradW, gradB in
            x.storage.withUnsafeBufferPointer { xs in
                dy.storage.withUnsafeBufferPointer { dys in
                    weight.value.storage.withUnsafeBufferPointer { ws in
                        dx.storage.withUnsafeMutableBufferPointer { dxs in
                            columns.withUnsafeMutableBufferPointer { cols in
                                // dx is empty when the input gradient is not needed.
                                let (xp, dyp, wp, dxp, colp) = (xs.baseAddress!, dys.baseAddress!, ws.baseAddress!, dxs.baseAddress, cols.baseAddress!)
                                parallelFor(chunks: chunks, threads: context.threads) { chunk in
                                    let dW = direct ? gradW : gradW + chunk * weightCount
                                    let dB = direct ? gradB : gradB + chunk * o
                                    let images = chunkRange(chunk, of: chunks, count: n)
                                    for image in images {
                                        // Partials start from the chunk's first image; direct gradients accumulate.
                                        let beta: Float = direct || image != images.lowerBound ? 1 : 0
                                        for group in 0..<groups {
                                            let xg = xp + (image * c + group * cg) * inPlane
                                            let dyg = dyp + (image * o + group * og) * p
                                            let col = colp + (kept ? image * groups + group : chunk) * k * p
                                            if !kept { im2col(xg, g, into: col) }
                                            // dW_g (og × k) += dY_g (og × p) · colᵀ (p × k)
                                            sgemm(transposeA: false, transposeB: true, m: og, n: k, k: p,
                                                  a: dyg, lda: p, b: col, ldb: p, beta: beta, c: dW + group * og * k, ldc: k)
                                            if needsInput {
                                                // dcol (k × p) = W_gᵀ (k × og) · dY_g (og × p), over the used columns
                                                sgemm(transposeA: true, transposeB: false, m: k, n: p, k: og,
                                                      a: wp + group * og * k, lda: k, b: dyg, ldb: p, beta: 0, c: col, ldc: p)
                                                if let dxp { col2im(col, g, into: dxp + (image * c + group * cg) * inPlane) }
                                            }
                                        }
                                        if hasBias {
                                            for channel in 0..<o {
                                                let total = sum(dyp + (image * o + channel) * p, count: p)
                                                dB[channel] = beta == 0 ? total : dB[channel] + total
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if direct {
            applyMask(weight)
        } else {
            accumulate(partialW, chunks: chunks, into: weight)
            if let bias { accumulate(partialB, chunks: chunks, into: bias) }
        }
        releaseSavedActivations()
        guard needsInput else { return zeros(&zeroGradient, shape: x.shape) }
        gradientBuffer = dx
        return dx
    }

    /// Calls `body` with the weight and bias gradient storage (`direct`) or the partial buffers.
    /// Without a bias, the bias pointer is a dummy that is never written.
    private func withGradientTargets(direct: Bool, _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        if direct {
            weight.gradient.storage.withUnsafeMutableBufferPointer { gw in
                if let bias {
                    bias.gradient.storage.withUnsafeMutableBufferPointer { gb in body(gw.baseAddress!, gb.baseAddress!) }
                } else {
                    var none: Float = 0
                    body(gw.baseAddress!, &none)
                }
            }
        } else {
            partialW.withUnsafeMutableBufferPointer { pw in
                partialB.withUnsafeMutableBufferPointer { pb in body(pw.baseAddress!, pb.baseAddress!) }
            }
        }
    }
}

/// Grows `buffer` to at least `count` elements (never shrinks), so steady-state steps allocate nothing.
func reserve(_ buffer: inout [Float], _ count: Int) {
    if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
}

/// Adds per-chunk partial gradients (chunk-major) to `parameter.gradient` in chunk order,
/// zeroing masked entries.
func accumulate(_ partial: [Float], chunks: Int, into parameter: Parameter) {
    let count = parameter.gradient.count
    parameter.gradient.storage.withUnsafeMutableBufferPointer { grad in
        partial.withUnsafeBufferPointer { part in
            for chunk in 0..<chunks {
                let base = chunk * count
                for i in 0..<count { grad[i] += part[base + i] }
            }
        }
    }
    applyMask(parameter)
}

/// Zeroes the gradient entries of absent connections (a parameter's 0/1 mask), if any.
func applyMask(_ parameter: Parameter) {
    guard let mask = parameter.mask else { return }
    parameter.gradient.storage.withUnsafeMutableBufferPointer { grad in
        for i in 0..<grad.count { grad[i] *= mask[i] }
    }
}
