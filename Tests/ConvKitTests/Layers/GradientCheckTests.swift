import Testing
@testable import ConvKit

/// Finite-difference checks of every layer's backward pass (input and parameter gradients).
@Suite struct GradientCheckTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let layer: any InstantiableLayer
        let input: Shape
        var training = true
        var batch = 2
        /// Max pooling has kinks where two inputs tie: use inputs 0.1 apart so ±ε never swaps them.
        var distinct = false
        /// With `distinct`: the inputs are `start + spacing·j` for j a permutation of 0..<count, so
        /// that they cover a piecewise function's pieces and keep clear of its corners.
        var start: Float = -1
        var spacing: Float = 0.1
        var testDescription: String { "\(layer.kind) \(layer.name)" }
    }

    static let cases: [Case] = [
        Case(layer: Conv2d("plain", 2, 3, kernel: 3), input: [2, 5, 5]),
        Case(layer: Conv2d("padded", 2, 3, kernel: 3, padding: 1), input: [2, 4, 5]),
        // 8 channels in and out on a 5×5 map: Winograd F(2×2, 3×3) under the default rule.
        Case(layer: Conv2d("winograd", 8, 8, kernel: 3, padding: 1), input: [8, 5, 5]),
        // 32 channels in and out on a 7×7 map: Winograd F(4×4, 3×3) under the default rule.
        Case(layer: Conv2d("winograd4", 32, 32, kernel: 3, padding: 1), input: [32, 7, 7]),
        Case(layer: Conv2d("strided", 2, 2, kernel: 3, stride: 2, padding: 1), input: [2, 7, 6]),
        Case(layer: Conv2d("dilated", 1, 2, kernel: 3, padding: 2, dilation: 2), input: [1, 6, 6]),
        Case(layer: Conv2d("grouped", 4, 6, kernel: 3, padding: 1, groups: 2), input: [4, 4, 4]),
        // Depthwise (the depthwise kernel under the default rule): stride 1, and stride 2 with C_out = 2·C.
        Case(layer: Conv2d("depthwise", 3, 3, kernel: 3, padding: 1, groups: 3), input: [3, 5, 5]),
        Case(layer: Conv2d("depthwise-s2", 2, 4, kernel: 3, stride: 2, padding: 1, groups: 2), input: [2, 6, 5]),
        Case(layer: Conv2d("nobias", inChannels: 2, outChannels: 2, kernel: Size2(2, 3), stride: Size2(1, 2), padding: .same, bias: false), input: [2, 5, 6]),
        Case(layer: Conv2d("table", inChannels: 3, outChannels: 2, kernel: Size2(3), connectionTable: [[0, 2], [1]]), input: [3, 5, 5]),
        Case(layer: ConvTranspose2d("deconv", 2, 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1), input: [2, 3, 3]),
        Case(layer: ConvTranspose2d("deconv-grouped", inChannels: 4, outChannels: 6, kernel: Size2(2, 3), stride: Size2(1, 2),
                                    padding: Size2(0, 1), outputPadding: Size2(1, 0), dilation: Size2(2, 1), groups: 2), input: [4, 3, 4]),
        // 3×3 stride 1, 8 channels: the input gradient is a Winograd convolution of ∂L/∂y.
        Case(layer: ConvTranspose2d("deconv-nobias", 8, 8, kernel: 3, padding: 1, bias: false), input: [8, 4, 4]),
        Case(layer: Linear("fc", 7, 4), input: [7]),
        Case(layer: Linear("fc-nobias", 5, 3, bias: false), input: [5]),
        Case(layer: MaxPool2d("max", kernel: 2), input: [2, 4, 4], distinct: true),
        Case(layer: MaxPool2d("max-overlap", kernel: 3, stride: 2, padding: 1, ceilMode: true), input: [1, 6, 5], distinct: true),
        Case(layer: AvgPool2d("avg", kernel: 2), input: [2, 4, 5]),
        Case(layer: AvgPool2d("avg-pad", window: PoolingWindow(kernel: Size2(3), stride: Size2(2), padding: Size2(1), ceilMode: true), countIncludePad: false), input: [1, 6, 6]),
        Case(layer: AvgPool2d("avg-pad-incl", window: PoolingWindow(kernel: Size2(3), stride: Size2(2), padding: Size2(1))), input: [1, 5, 5]),
        Case(layer: AdaptiveAvgPool2d("adaptive", outputSize: Size2(2, 3)), input: [2, 5, 7]),
        Case(layer: Upsample("upsample"), input: [2, 3, 4]),
        Case(layer: Upsample("upsample-size", size: Size2(5, 7)), input: [2, 3, 4]),
        Case(layer: Upsample("bilinear", scaleFactor: 2, mode: .bilinear), input: [2, 3, 4]),
        Case(layer: Upsample("bilinear-aligned", scaleFactor: Upsample.ScaleFactor(1.5, 2.5), size: nil, mode: .bilinear, alignCorners: true), input: [2, 3, 4]),
        Case(layer: Upsample("bilinear-size", size: Size2(4, 3), mode: .bilinear), input: [1, 3, 5]),
        Case(layer: ReLU("relu"), input: [3, 4]),
        Case(layer: Sigmoid("sigmoid"), input: [10]),
        Case(layer: Tanh("tanh"), input: [2, 3, 3]),
        Case(layer: GELU("gelu"), input: [2, 3, 3]),
        Case(layer: GELU("gelu-tanh", approximate: .tanh), input: [2, 3, 3]),
        Case(layer: GELU("gelu-eval"), input: [12], training: false),
        // 36 inputs from −1.95 to 6.8 in steps of 0.25: both corners (0, 6) are 0.05 away or more.
        Case(layer: ReLU6("relu6"), input: [2, 3, 3], distinct: true, start: -1.95, spacing: 0.25),
        Case(layer: LeakyReLU("leaky", slope: 0.2), input: [2, 3, 3], distinct: true, start: -1.95),
        Case(layer: LeakyReLU("leaky-negative", slope: -0.5), input: [2, 3, 3], distinct: true, start: -1.95),
        // 36 inputs from −4.45 to 4.3 in steps of 0.25: the corners ±3 are 0.05 away or more.
        Case(layer: Hardsigmoid("hardsigmoid"), input: [2, 3, 3], distinct: true, start: -4.45, spacing: 0.25),
        Case(layer: Hardswish("hardswish"), input: [2, 3, 3], distinct: true, start: -4.45, spacing: 0.25),
        Case(layer: SiLU("silu"), input: [2, 3, 3]),
        Case(layer: Dropout("dropout", probability: 0.4), input: [20]),
        Case(layer: DropPath("droppath", probability: 0.5), input: [2, 3, 3], batch: 4),
        Case(layer: ChannelShuffle("shuffle", groups: 3), input: [6, 2, 2]),
        Case(layer: Flatten("flatten"), input: [2, 3, 3]),
        Case(layer: BatchNorm("bn2d", .two), input: [3, 3, 3], batch: 3),
        Case(layer: BatchNorm("bn2d-eval", .two), input: [3, 3, 3], training: false, batch: 3),
        Case(layer: BatchNorm("bn1d", .one), input: [5], batch: 4),
        Case(layer: LocalResponseNorm("lrn", size: 3, alpha: 0.5, beta: 0.75, k: 2), input: [5, 2, 2]),
        Case(layer: Subsampling("S2"), input: [2, 4, 4]),
        Case(layer: Sequential(name: "seq", [Conv2d("c", 1, 2, kernel: 3), Tanh("t"), Flatten("f"), Linear("l", 18, 3)]), input: [1, 5, 5]),
        Case(layer: Concat(name: "mix", branches: [
            Sequential(name: "a", [Conv2d("k1", nil, 2, kernel: 1)]),
            Sequential(name: "b", [Conv2d("k3", nil, 3, kernel: 3, padding: 1), Sigmoid("s")]),
            Sequential(name: "c", [AvgPool2d("p", window: PoolingWindow(kernel: Size2(3), stride: Size2(1), padding: Size2(1)))]),
        ]), input: [2, 4, 4]),
    ]

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(c: Case) throws {
        var values: Tensor?
        if c.distinct {
            var x = Tensor(shape: [c.batch] + c.input.dimensions)
            var random = RandomGenerator(seed: 5)
            for (i, j) in random.permutation(x.count).enumerated() { x.storage[i] = c.start + Float(j) * c.spacing }
            values = x
        }
        let results = try GradientCheck.check(c.layer, input: c.input, batch: c.batch, training: c.training, inputValues: values)
        #expect(!results.isEmpty)
        for result in results {
            #expect(result.maxRelativeError < 1e-2, "\(result)")
        }
    }

    /// The check must be able to fail: a layer whose backward is deliberately wrong is caught.
    @Test func checkDetectsAWrongBackward() throws {
        struct Doubling: InstantiableLayer, ElementwiseLayer {
            var name = "wrong"
            var kind: String { "Wrong" }
            func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime { Runtime() }
            final class Runtime: StatelessRuntime {
                func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
                    var y = x
                    for i in 0..<y.count { y.storage[i] *= 2 }
                    return y
                }
                // Wrong on purpose: the true gradient is 2·dy.
                func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor { dy }
            }
        }
        let results = try GradientCheck.check(Doubling(), input: [6])
        #expect(results[0].maxRelativeError > 0.4)
    }
}
