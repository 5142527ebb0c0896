import Testing
@testable import ConvKit

/// Padding `[top, bottom, left, right]` on convolution and pooling (ONNX's `pads`; PyTorch pads
/// asymmetrically with `F.pad` first): shapes with their arithmetic, hand-worked values, spec round
/// trips and gradient checks.
@Suite struct AsymmetricPaddingTests {
    /// 3×3 convolution on 5×5 with [1, 0, 2, 1]: H' = ⌊(5 + 1 + 0 − 2 − 1)/1⌋ + 1 = 4,
    /// W' = ⌊(5 + 2 + 1 − 2 − 1)/1⌋ + 1 = 6.
    @Test func convolutionShapeAndSpec() throws {
        let conv = Conv2d("c", inChannels: 2, outChannels: 3, kernel: Size2(3), padding: .sides(top: 1, bottom: 0, left: 2, right: 1))
        #expect(try conv.outputShape(for: [2, 5, 5], path: "c") == [3, 4, 6])
        #expect(conv.shapeFormula(input: [2, 5, 5], output: [3, 4, 6]) == ["H' = ⌊(5 + 1 + 0 − (3−1) − 1)/1⌋ + 1 = 4",
                                                                          "W' = ⌊(5 + 2 + 1 − (3−1) − 1)/1⌋ + 1 = 6"])
        let yaml = """
            input: [2, 5, 5]
            layers:
              - {type: conv2d, name: c, out_channels: 3, kernel_size: 3, padding: [1, 0, 2, 1]}
              - {type: maxpool2d, name: p, kernel_size: 2, padding: [0, 1, 1, 0]}
              - {type: conv2d, name: d, out_channels: 3, kernel_size: 3, padding: [1, 1, 1, 1]}
            """
        let model = try ModelSpec.parse(yaml: yaml, file: "pads.yaml")
        let text = try SpecEmitter.emit(model)
        #expect(text.contains("padding: [1, 0, 2, 1]") && text.contains("padding: [0, 1, 1, 0]"))
        #expect(!text.contains("padding: [1, 1, 1, 1]"), "equal sides are written as one number")
        #expect(try SpecEmitter.emit(try ModelSpec.parse(yaml: text, file: "again.yaml")) == text)
        // pool on 4×6 with [0, 1, 1, 0], kernel 2, stride 2: ⌊(4 + 0 + 1 − 2)/2⌋ + 1 = 2, ⌊(6 + 1 + 0 − 2)/2⌋ + 1 = 3.
        #expect(try Summary(model).rows.map(\.output) == [[3, 4, 6], [3, 2, 3], [3, 2, 3]])
        #expect(throws: ConvKitError.self) { try ModelSpec.parse(yaml: "input: [1, 4, 4]\nlayers:\n  - {type: conv2d, out_channels: 1, kernel_size: 3, padding: [1, 0, -1, 0]}\n") }
        #expect(throws: ConvKitError.self) { try ModelSpec.parse(yaml: "input: [1, 4, 4]\nlayers:\n  - {type: conv2d, out_channels: 1, kernel_size: 3, padding: [1, 0, 1]}\n") }
    }

    /// A 3×3 plane of ones, 2×2 windows of stride 2 with one row and column of zeros below and to the
    /// right: 2×2 outputs. Window (1, 1) covers input (2, 2) and three padding cells: its average is
    /// 1/4 counting the padding and 1/1 without; max pooling gives 1 everywhere.
    @Test func poolingValues() throws {
        let window = PoolingWindow(kernel: Size2(2), padding: Size2(0), paddingEnd: Size2(1))
        var context = RunContext(training: false)
        let x = Tensor(shape: [1, 1, 3, 3], repeating: 1)
        for (include, last) in [(true, Float(0.25)), (false, 1)] {
            let network = try Network(Architecture(name: "avg", input: [1, 3, 3], layers: [AvgPool2d("p", window: window, countIncludePad: include)]), seed: 1)
            #expect(try network.forward(x, &context).storage == [1, 0.5, 0.5, last].map { include ? $0 : 1 })
        }
        let max = try Network(Architecture(name: "max", input: [1, 3, 3], layers: [MaxPool2d("p", window: window)]), seed: 1)
        #expect(try max.forward(x, &context).storage == [1, 1, 1, 1])
    }

    @Test(arguments: [
        Conv2d("conv", inChannels: 2, outChannels: 2, kernel: Size2(3), stride: Size2(2), padding: .sides(top: 1, bottom: 0, left: 0, right: 2)) as any InstantiableLayer,
        AvgPool2d("avg", window: PoolingWindow(kernel: Size2(3), stride: Size2(2), padding: Size2(1, 0), paddingEnd: Size2(0, 1)), countIncludePad: true),
        AvgPool2d("avg-excl", window: PoolingWindow(kernel: Size2(3), stride: Size2(2), padding: Size2(0, 1), paddingEnd: Size2(1, 0)), countIncludePad: false),
    ])
    func gradientChecks(layer: any InstantiableLayer) throws {
        let results = try GradientCheck.check(layer, input: [2, 5, 6], batch: 2)
        #expect(!results.isEmpty)
        for result in results { #expect(result.maxRelativeError < 1e-2, "\(layer.name): \(result)") }
    }
}
