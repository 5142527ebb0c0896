import Testing
@testable import ConvKit

/// Output-size rules against values worked out by hand from PyTorch's formulas
/// (`⌊(H + 2p − d(k−1) − 1)/s⌋ + 1`; ceil mode drops a last window that starts in the right padding).
@Suite struct ShapeRuleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let layer: any LeafLayer
        let input: Shape
        let output: Shape
        var testDescription: String { "\(layer.kind) \(layer.name) on \(input)" }
    }

    static let cases: [Case] = [
        // ⌊(32 − 5)/1⌋ + 1 = 28
        Case(layer: Conv2d("plain", 3, 6, kernel: 5), input: [3, 32, 32], output: [6, 28, 28]),
        // ⌊(32 + 2 − 2·(3−1) − 1)/1⌋ + 1 = 30
        Case(layer: Conv2d("dilated", 3, 4, kernel: 3, padding: 1, dilation: 2), input: [3, 32, 32], output: [4, 30, 30]),
        // ⌊(7 + 2 − 3)/2⌋ + 1 = 4
        Case(layer: Conv2d("strided", 2, 2, kernel: 3, stride: 2, padding: 1), input: [2, 7, 7], output: [2, 4, 4]),
        // same, stride 1: H' = H
        Case(layer: Conv2d("same", inChannels: 2, outChannels: 3, kernel: Size2(3, 4), padding: .same), input: [2, 7, 9], output: [3, 7, 9]),
        // same, stride 2: ⌈7/2⌉ = 4, ⌈9/2⌉ = 5
        Case(layer: Conv2d("same2", inChannels: 2, outChannels: 3, kernel: Size2(3), stride: Size2(2), padding: .same), input: [2, 7, 9], output: [3, 4, 5]),
        // rectangular kernel and padding: ⌊(10 + 2·0 − 3)/1⌋ + 1 = 8, ⌊(12 + 2·2 − 5)/1⌋ + 1 = 12
        Case(layer: Conv2d("rect", inChannels: 1, outChannels: 1, kernel: Size2(3, 5), padding: .explicit(Size2(0, 2))), input: [1, 10, 12], output: [1, 8, 12]),
        // max-pool 3/2: floor ⌊(6 − 3)/2⌋ + 1 = 2
        Case(layer: MaxPool2d("floor", kernel: 3, stride: 2), input: [1, 6, 6], output: [1, 2, 2]),
        // ceil ⌈(6 − 3)/2⌉ + 1 = 3; last window starts at 4 < 6, kept
        Case(layer: MaxPool2d("ceil", kernel: 3, stride: 2, ceilMode: true), input: [1, 6, 6], output: [1, 3, 3]),
        // ceil ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but window 3 would start at 3·2 = 6 ≥ 5 + 1: dropped → 3
        Case(layer: MaxPool2d("ceil-drop", kernel: 2, stride: 2, padding: 1, ceilMode: true), input: [1, 5, 5], output: [1, 3, 3]),
        // ceil mode may overhang the padded input (PyTorch): ⌊(2 + 2 − 5 + 1)/2⌋ + 1 = 1 on H = 2
        Case(layer: MaxPool2d("overhang", kernel: 5, stride: 2, padding: 1, ceilMode: true), input: [1, 2, 5], output: [1, 1, 2]),
        // avg-pool 2 (stride defaults to kernel): ⌊(5 − 2)/2⌋ + 1 = 2
        Case(layer: AvgPool2d("avg", kernel: 2), input: [3, 5, 5], output: [3, 2, 2]),
        Case(layer: AdaptiveAvgPool2d("global", outputSize: Size2(1)), input: [8, 7, 5], output: [8, 1, 1]),
        Case(layer: Flatten("flatten"), input: [16, 5, 5], output: [400]),
        Case(layer: Subsampling("S2"), input: [6, 28, 28], output: [6, 14, 14]),
    ]

    @Test(arguments: cases)
    func outputShape(c: Case) throws {
        #expect(try c.layer.outputShape(for: c.input, path: c.layer.name) == c.output)
    }

    @Test func groupsMustDivideChannels() {
        let error = expectConvKitError { _ = try Conv2d("conv2", 6, 8, kernel: 3, groups: 4).outputShape(for: [6, 8, 8], path: "conv2") }
        #expect(error == .shapeMismatch(layer: "conv2", expected: "input channels divisible by groups=4", found: "6 channels"))
    }

    @Test func kernelLargerThanPaddedInput() {
        let error = expectConvKitError { _ = try Conv2d("big", 1, 1, kernel: 7, padding: 1).outputShape(for: [1, 4, 4], path: "big") }
        #expect(error?.description.contains("layer 'big'") == true)
        #expect(error?.description.contains("6×6 padded") == true)
    }

    @Test func linearNeedsAFeatureVector() {
        let error = expectConvKitError { _ = try Linear("fc", nil, 10).outputShape(for: [16, 5, 5], path: "fc") }
        #expect(error == .shapeMismatch(layer: "fc", expected: "a feature vector (insert a flatten layer before it)", found: "16×5×5"))
    }

    @Test func wrongInputChannels() {
        let error = expectConvKitError { _ = try Conv2d("conv1", 3, 6, kernel: 5).outputShape(for: [1, 32, 32], path: "conv1") }
        #expect(error == .shapeMismatch(layer: "conv1", expected: "3 input channels", found: "1 (input 1×32×32)"))
    }

    @Test func poolingPaddingAtMostHalfKernel() {
        let error = expectConvKitError { _ = try MaxPool2d("p", kernel: 2, padding: 2).outputShape(for: [1, 8, 8], path: "p") }
        #expect(error == .invalidLayer(layer: "p", reason: "padding 2 must be at most half the kernel 2"))
    }

    @Test func concatBranchesMustAgreeSpatially() {
        let concat = Concat(name: "mix", branches: [
            Sequential(name: "a", [Conv2d("c", nil, 4, kernel: 3, padding: 1)]),
            Sequential(name: "b", [Conv2d("c", nil, 4, kernel: 3)]),
        ])
        let error = expectConvKitError { _ = try concat.outputShape(for: [2, 8, 8], path: "mix") }
        #expect(error == .shapeMismatch(layer: "mix.b", expected: "C×8×8 like the first branch", found: "4×6×6"))
    }

    @Test func connectionTableIsValidated() {
        let conv = Conv2d("C3", inChannels: 6, outChannels: 2, kernel: Size2(5), connectionTable: [[0, 1], [6]])
        let error = expectConvKitError { _ = try conv.outputShape(for: [6, 14, 14], path: "C3") }
        #expect(error?.description.contains("row 1") == true)
    }

    @Test func overflowIsReportedNotWrapped() {
        // 2^66 elements: more than Int64 holds.
        let architecture = Architecture(name: "huge", input: [1 << 22, 1 << 22, 1 << 22], layers: [ReLU("relu")])
        let error = expectConvKitError { _ = try Summary(architecture) }
        if case .overflow? = error {} else { Issue.record("expected overflow, got \(String(describing: error))") }
    }
}
