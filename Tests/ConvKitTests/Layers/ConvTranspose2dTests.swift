import Testing
@testable import ConvKit

/// ConvTranspose2d: hand-worked shapes and costs, the forward pass against loops over the
/// definition, the position rule against the forward pass, PyTorch's initialisation and its errors.
@Suite struct ConvTranspose2dTests {
    private func row(_ layer: any Layer, _ input: Shape) throws -> SummaryRow {
        try #require(try Summary(Architecture(name: "t", input: input, layers: [layer])).rows.first)
    }

    @Test func goldenShapeAndCosts() throws {
        // Input 4×5×5, 6 outputs, kernel 3, stride 2, padding 1, output_padding 1, groups 2:
        // H' = W' = (5−1)·2 − 2·1 + 1·(3−1) + 1 + 1 = 10 → output 6×10×10, units 600.
        let layer = ConvTranspose2d("up", 4, 6, kernel: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2)
        let r = try row(layer, [4, 5, 5])
        #expect(r.output == [6, 10, 10])
        #expect(r.cost.units.value == 600)
        // weights [in, out/groups, kh, kw] = 4·(6/2)·3·3 = 108; one bias per output channel: 6.
        #expect(r.cost.weights.value == 108 && r.cost.biases.value == 6 && r.cost.params == 114)
        // MACs: each of the 4·5·5 = 100 input elements is multiplied into (6/2)·3·3 = 27 outputs: 2,700.
        #expect(r.cost.macs.value == 2_700)
        // connections: the 2,700 products plus one bias per output unit: 2,700 + 600 = 3,300.
        #expect(r.cost.connections.value == 3_300)
        #expect(r.shapeNotes.prefix(2) == ["H' = (5−1)·2 − 2·1 + 1·(3−1) + 1 + 1 = 10", "W' = (5−1)·2 − 2·1 + 1·(3−1) + 1 + 1 = 10"])
        #expect(r.cost.weights.formula == "4·(6/2)·3·3 = 108")
        #expect(r.cost.macs.formula == "100 inputs (5·5·4)·((6/2)·3·3) = 2,700")
        #expect(r.cost.connections.formula == "2,700 + 600 = 3,300")
        // Receptive field: reach (3−2)/2 = 1/2 input beyond one, r = 1 + ⌈1/2⌉·1 = 2, j = 1·1/2 = 1/2.
        #expect(r.field.size == (2, 2) && r.field.jump == (Rational(1, 2), Rational(1, 2)))
        #expect(r.shapeNotes.last == "receptive field: r = 1 + ⌈(3−2)/2⌉·1 = 2, j = 1·1/2 = 1/2")
    }

    /// A 2×2 input through a 3×3 kernel w = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], stride 2, padding 1,
    /// output_padding 1 (H' = (2−1)·2 − 2 + 2 + 1 + 1 = 4): input (a, b) adds x·w[t, u] at full
    /// position (2a + t, 2b + u), and output (i, j) is full position (i + 1, j + 1). So
    /// y[0, 0] = 1·w[1, 1] = 5; y[0, 1] = 1·w[1, 2] + 10·w[1, 0] = 6 + 40 = 46;
    /// y[1, 1] = 1·w[2, 2] + 10·w[2, 0] + 100·w[0, 2] + 1000·w[0, 0] = 9 + 70 + 300 + 1000 = 1,379;
    /// y[3, 3] = 1000·w[2, 2] = 9,000 (full position (4, 4)). PyTorch's nn.ConvTranspose2d gives the same 16 values.
    @Test func goldenForwardValues() throws {
        let layer = ConvTranspose2d("up", 1, 1, kernel: 3, stride: 2, padding: 1, outputPadding: 1, bias: false)
        var random = RandomGenerator(seed: 1)
        let runtime = try layer.makeRuntime(input: [1, 2, 2], path: "up", random: &random)
        runtime.parameters[0].value.storage = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var context = RunContext(training: false)
        let y = try runtime.forward(try Tensor(shape: [1, 1, 2, 2], values: [1, 10, 100, 1000]), &context)
        #expect(y.shape == [1, 1, 4, 4])
        #expect(y.storage == [5, 46, 50, 60, 208, 1379, 2080, 3090, 500, 4600, 5000, 6000, 800, 7900, 8000, 9000])
    }

    /// Receptive field sizes on the image: 4×4 stride 2 reads two inputs (r = 1 + ⌈(4−2)/2⌉ = 2);
    /// 2×2 stride 2 one (⌈0⌉); 1×1 stride 2 one or none (⌈−1/2⌉ = 0, r = 1); stride 1 is a
    /// convolution's r = k; a dilated 3×3 (k_eff 5) stride 2: 1 + ⌈3/2⌉ = 3.
    @Test(arguments: [(4, 2, 1, 2), (2, 2, 1, 1), (1, 2, 1, 1), (3, 1, 1, 3), (3, 2, 2, 3)])
    func receptiveFieldOnTheImage(config: (kernel: Int, stride: Int, dilation: Int, size: Int)) throws {
        let layer = ConvTranspose2d("up", 1, 1, kernel: config.kernel, stride: config.stride, dilation: config.dilation)
        let r = try row(layer, [1, 6, 6])
        #expect(r.field.size == (config.size, config.size))
        #expect(r.field.jump == (Rational(1, config.stride), Rational(1, config.stride)))
    }

    /// y[n, o, i, j] = b[o] + Σ over inputs (c, a, b) of o's group and taps (t, u) with
    /// i = a·s − p + t·d, j = b·s − p + u·d of w[c, o − o0, t, u]·x[n, c, a, b].
    static func direct(_ x: Tensor, _ w: Tensor, _ bias: [Float]?, _ layer: ConvTranspose2d, output: Shape) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (og, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let (o, oh, ow) = (output.dimensions[0], output.dimensions[1], output.dimensions[2])
        let cg = c / layer.groups
        var sums = [Double](repeating: 0, count: n * o * oh * ow)
        for image in 0..<n { for channel in 0..<c { for a in 0..<h { for b in 0..<wd {
            let value = Double(x.storage[((image * c + channel) * h + a) * wd + b])
            let group = channel / cg
            for oc in 0..<og { for t in 0..<kh { for u in 0..<kw {
                let i = a * layer.stride.height - layer.padding.height + t * layer.dilation.height
                let j = b * layer.stride.width - layer.padding.width + u * layer.dilation.width
                guard i >= 0, i < oh, j >= 0, j < ow else { continue }
                let out = group * og + oc
                sums[((image * o + out) * oh + i) * ow + j] += Double(w.storage[((channel * og + oc) * kh + t) * kw + u]) * value
            } } }
        } } } }
        var y = Tensor(shape: [n] + output.dimensions)
        for index in sums.indices {
            let channel = (index / (oh * ow)) % o
            y.storage[index] = Float(sums[index] + Double(bias?[channel] ?? 0))
        }
        return y
    }

    static let configurations: [ConvTranspose2d] = [
        ConvTranspose2d("plain", 3, 2, kernel: 3),
        ConvTranspose2d("strided", 3, 4, kernel: 3, stride: 2, padding: 1, outputPadding: 1),
        ConvTranspose2d("dcgan", 4, 2, kernel: 4, stride: 2, padding: 1),
        ConvTranspose2d("grouped", 4, 6, kernel: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2),
        ConvTranspose2d("dilated", inChannels: 2, outChannels: 3, kernel: Size2(3, 2), stride: Size2(2, 1), padding: Size2(2, 1),
                        outputPadding: Size2(1, 1), dilation: Size2(2, 3), bias: false),
        // output_padding 2 ≥ stride 1 is allowed because dilation is 3.
        ConvTranspose2d("wide-pad", inChannels: 4, outChannels: 4, kernel: Size2(2), stride: Size2(1), outputPadding: Size2(2),
                        dilation: Size2(3), groups: 4),
        // 3×3 stride 1 with 8 channels: its backward runs the Winograd convolution.
        ConvTranspose2d("stride1", 8, 8, kernel: 3, padding: 1),
    ]

    @Test(arguments: configurations)
    func forwardMatchesDirectLoops(layer: ConvTranspose2d) throws {
        let input: Shape = [layer.inChannels ?? 4, 5, 4]
        var random = RandomGenerator(seed: 3)
        let runtime = try layer.makeRuntime(input: input, path: layer.name, random: &random)
        let output = try layer.outputShape(for: input, path: layer.name)
        let x = ConvolutionReferenceTests.random([3] + input.dimensions, seed: 4)
        let reference = Self.direct(x, runtime.parameters[0].value, runtime.parameters.count > 1 ? runtime.parameters[1].value.storage : nil,
                                    layer, output: output)
        for threads in [1, 2] {
            var context = RunContext(training: true, threads: threads)
            let fast = try runtime.forward(x, &context)
            #expect(fast.shape == reference.shape)
            let error = zip(fast.storage, reference.storage).map { abs($0 - $1) }.max() ?? 0
            #expect(error < 1e-4, "\(layer.name): max error \(error) with \(threads) threads")
        }
    }

    /// ∂L/∂x of a transposed convolution is the ordinary convolution of ∂L/∂y with the same weights
    /// (read as [out, in/groups, kh, kw] = this layer's [in, out/groups, kh, kw]).
    @Test(arguments: configurations)
    func inputGradientIsTheConvolutionOfTheOutputGradient(layer: ConvTranspose2d) throws {
        let input: Shape = [layer.inChannels ?? 4, 5, 4]
        var random = RandomGenerator(seed: 5)
        let runtime = try layer.makeRuntime(input: input, path: layer.name, random: &random)
        let x = ConvolutionReferenceTests.random([2] + input.dimensions, seed: 6)
        var context = RunContext(training: true)
        let y = try runtime.forward(x, &context)
        let dy = ConvolutionReferenceTests.random(y.shape, seed: 7)
        let dx = try runtime.backward(dy, &context)
        // The reference convolution takes square sizes: the non-square configuration is covered by the gradient checks.
        guard layer.stride.isSquare, layer.padding.isSquare, layer.dilation.isSquare else { return }
        let conv = ConvolutionReferenceTests.direct(dy, runtime.parameters[0].value, nil, stride: layer.stride.height,
                                                    padding: layer.padding.height, dilation: layer.dilation.height, groups: layer.groups)
        // The convolution's output may be longer than x (output_padding ≥ stride with dilation): compare x's rows.
        let (c, h, w) = (input.dimensions[0], input.dimensions[1], input.dimensions[2])
        var error: Float = 0
        for n in 0..<2 { for ch in 0..<c { for i in 0..<h { for j in 0..<w {
            let expected = conv.storage[((n * c + ch) * conv.shape[2] + i) * conv.shape[3] + j]
            error = max(error, abs(expected - dx.storage[((n * c + ch) * h + i) * w + j]))
        } } } }
        #expect(error < 1e-4, "\(layer.name): max error \(error)")
    }

    /// The position rule agrees with the forward pass: with every weight 1 and no bias, output
    /// (i, j) of a one-hot input at (a, b) is non-zero exactly when the rule lists (a, b) for (i, j).
    @Test func positionRuleMatchesTheForwardPass() throws {
        let layer = ConvTranspose2d("up", inChannels: 1, outChannels: 1, kernel: Size2(3, 2), stride: Size2(2, 3), padding: Size2(1, 2),
                                    outputPadding: Size2(1, 2), dilation: Size2(2, 1), bias: false)
        let input: Shape = [1, 4, 5]
        let output = try layer.outputShape(for: input, path: "up")
        var random = RandomGenerator(seed: 1)
        let runtime = try layer.makeRuntime(input: input, path: "up", random: &random)
        for i in runtime.parameters[0].value.storage.indices { runtime.parameters[0].value.storage[i] = 1 }
        let (h, w, oh, ow) = (input.dimensions[1], input.dimensions[2], output.dimensions[1], output.dimensions[2])
        var reads = [[Bool]](repeating: [Bool](repeating: false, count: h * w), count: oh * ow)
        for pixel in 0..<(h * w) {
            var x = Tensor(shape: [1] + input.dimensions)
            x.storage[pixel] = 1
            var context = RunContext(training: false)
            let y = try runtime.forward(x, &context)
            for out in 0..<(oh * ow) where y.storage[out] != 0 { reads[out][pixel] = true }
        }
        for i in 0..<oh {
            for j in 0..<ow {
                let mask = try layer.inputPositions(of: PixelMask(height: oh, width: ow, pixel: (i, j)), input: input, output: output, path: "up")
                #expect(mask.bits == reads[i * ow + j], "output (\(i), \(j))")
            }
        }
    }

    /// The largest unclipped extent over output positions is the summary's receptive field.
    @Test(arguments: configurations)
    func summaryFieldIsTheLargestUnclippedExtent(layer: ConvTranspose2d) throws {
        let input: Shape = [layer.inChannels ?? 4, 5, 4]
        let model = Architecture(name: "t", input: input, layers: [layer])
        let summary = try Summary(model)
        let output = summary.output
        var (rows, columns) = (0, 0)
        for i in 0..<output.dimensions[1] {
            for j in 0..<output.dimensions[2] {
                let map = try ReceptiveFieldMap(model, at: (i, j))
                rows = max(rows, map.inputMask.unclippedRows.count)
                columns = max(columns, map.inputMask.unclippedColumns.count)
            }
        }
        #expect((rows, columns) == summary.field.size, "\(layer.name)")
    }

    /// PyTorch's init: fan_in from the weight's dimension 1, (out/groups)·kh·kw = (6/2)·3·2 = 18,
    /// bound 1/√18 for the weight (kaiming_uniform, a = √5) and the bias, weight drawn first.
    @Test func initialisationFollowsPyTorch() throws {
        let layer = ConvTranspose2d("up", inChannels: 4, outChannels: 6, kernel: Size2(3, 2), groups: 2)
        var random = RandomGenerator(seed: 11)
        let runtime = try layer.makeRuntime(input: [4, 3, 3], path: "block.up", random: &random)
        #expect(runtime.parameters.map(\.name) == ["block.up.weight", "block.up.bias"])
        #expect(runtime.parameters.map(\.value.shape) == [[4, 3, 3, 2], [6]])
        var expected = RandomGenerator(seed: 11)
        let weights = pytorchDefaultUniform(count: 72, fanIn: 18, random: &expected)
        let biases = pytorchDefaultUniform(count: 6, fanIn: 18, random: &expected)
        #expect(runtime.parameters[0].value.storage == weights && runtime.parameters[1].value.storage == biases)
        #expect(weights.allSatisfy { abs($0) <= Float(1 / 18.0.squareRoot()) })
    }

    @Test func errorsNameTheLayer() throws {
        // output_padding 2 with stride 2 and dilation 1: PyTorch's rule output_padding < max(stride, dilation).
        let padding = expectConvKitError { _ = try ConvTranspose2d("up", 4, 4, kernel: 3, stride: 2, outputPadding: 2).outputShape(for: [4, 5, 5], path: "net.up") }
        #expect(padding == .invalidLayer(layer: "net.up", reason: "output_padding must be smaller than either stride or dilation, found output_padding 2 with stride 2 and dilation 1 along the height"))
        let channels = expectConvKitError { _ = try ConvTranspose2d("up", 3, 4, kernel: 3).outputShape(for: [4, 5, 5], path: "up") }
        #expect(channels == .shapeMismatch(layer: "up", expected: "3 input channels", found: "4 (input 4×5×5)"))
        // (1−1)·1 − 2·2 + 1·(2−1) + 0 + 1 = −2 rows: padding crops everything.
        let small = expectConvKitError { _ = try ConvTranspose2d("up", 1, 1, kernel: 2, padding: 2).outputShape(for: [1, 1, 1], path: "up") }
        #expect(small == .shapeMismatch(layer: "up", expected: "a positive output size (H−1)·s − 2p + d(k−1) + output_padding + 1",
                                        found: "-2×-2 for input 1×1×1 (padding 2 crops more than the full output)"))
        let groups = expectConvKitError { _ = try ConvTranspose2d("up", 4, 5, kernel: 3, groups: 2).outputShape(for: [4, 5, 5], path: "up") }
        #expect(groups == .invalidLayer(layer: "up", reason: "out_channels 5 is not divisible by groups=2"))
        let spec = expectConvKitError {
            _ = try Summary(ModelSpec.parse(yaml: "input: [2, 4, 4]\nlayers:\n  - {type: deconv, name: d, out_channels: 2, kernel_size: 3, stride: 2, output_padding: [1, 3]}\n"))
        }
        #expect(spec == .invalidLayer(layer: "d", reason: "output_padding must be smaller than either stride or dilation, found output_padding 3 with stride 2 and dilation 1 along the width"))
    }
}
