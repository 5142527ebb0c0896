import Testing
@testable import ConvKitKernels

/// The depthwise kernels (depthwise.c) against the definition of ``ConvolutionTests`` (nested loops),
/// on small integers (every sum exact, so the comparisons are exact), at 1–3 threads; and the same
/// bits on every engine this CPU supports.
@Suite struct DepthwiseConvolutionTests {
    typealias Case = ConvolutionTests.Case

    /// MobileNet's 3×3 stride 1 and 2 with padding 1; a 5×5 (EfficientNet); dilation 2; a channel
    /// multiplier of 2 (C_out = 2·C); no padding on a non-square map; maps narrower than a vector
    /// and wider than 16 (the reductions' tails and whole rows).
    static let cases: [Case] = [
        Case(batch: 3, channels: 4, height: 7, width: 7, outputs: 4, groups: 4, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .depthwise),
        Case(batch: 2, channels: 5, height: 8, width: 9, outputs: 5, groups: 5, kernel: 3, stride: 2, pad: 1, dilation: 1, algorithm: .depthwise),
        Case(batch: 2, channels: 3, height: 11, width: 20, outputs: 3, groups: 3, kernel: 5, stride: 1, pad: 2, dilation: 1, algorithm: .depthwise),
        Case(batch: 2, channels: 3, height: 9, width: 19, outputs: 3, groups: 3, kernel: 5, stride: 2, pad: 2, dilation: 1, algorithm: .depthwise),
        Case(batch: 3, channels: 2, height: 9, width: 9, outputs: 2, groups: 2, kernel: 3, stride: 1, pad: 2, dilation: 2, algorithm: .depthwise),
        Case(batch: 2, channels: 3, height: 6, width: 5, outputs: 6, groups: 3, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .depthwise),
        Case(batch: 1, channels: 2, height: 4, width: 35, outputs: 2, groups: 2, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .depthwise),
    ]

    @Test(arguments: cases)
    func forwardMatchesDefinition(t: Case) {
        #expect(t.shape.algorithm == .depthwise)
        ConvolutionTests.checkForward(t)
    }

    @Test(arguments: cases)
    func backwardMatchesDefinition(t: Case) { ConvolutionTests.checkBackward(t) }

    @Test func maskNoBiasNoInputGradient() { ConvolutionTests.checkMaskNoBiasNoInputGradient(Self.cases[1]) }

    /// Every supported engine gives the bits of the portable one (no fused operations; the
    /// reductions keep 16 partial sums whatever the vector width), on non-integer data.
    @Test(arguments: cases)
    func enginesGiveTheSameBits(t: Case) {
        let s = t.shape
        let x = GemmTests.values(t.batch * t.channels * t.height * t.width, seed: 11)
        let w = GemmTests.values(t.outputs * s.window.columnRows, seed: 12)
        let b = GemmTests.values(t.outputs, seed: 13)
        let dy = GemmTests.values(t.batch * t.outputs * s.window.columnCount, seed: 14)
        func run(_ engine: GemmEngine) -> [[Float]] {
            var y = [Float](repeating: .nan, count: dy.count), work: [Float] = []
            depthwiseForward(x, weight: w, bias: b, s, batch: t.batch, y: &y, workspace: &work, threads: 2, engine: engine)
            var gradW = [Float](repeating: 0, count: w.count), gradB = [Float](repeating: 0, count: t.outputs)
            var dx = [Float](repeating: .nan, count: x.count)
            depthwiseBackward(dy, input: x, weight: w, s, batch: t.batch, weightGradient: &gradW, biasGradient: &gradB, mask: nil,
                              dx: &dx, needsInputGradient: true, workspace: &work, threads: 2, engine: engine)
            return [y, gradW, gradB, dx]
        }
        let reference = run(.portable).map { $0.map(\.bitPattern) }
        for engine in GemmEngine.allCases where engine.isSupported && engine != .portable {
            #expect(run(engine).map { $0.map(\.bitPattern) } == reference, "\(engine)")
        }
    }

    /// The rule picks the depthwise kernel for every depthwise shape (a channel multiplier too),
    /// and not for grouped convolutions with several channels per group.
    @Test func ruleTakesDepthwiseShapes() {
        if ConvolutionAlgorithm.forced == nil {
            for t in Self.cases { #expect(ConvolutionShape(window: t.shape.window, groups: t.groups, outputChannels: t.outputs).algorithm == .depthwise) }
            #expect(ConvolutionTests.cases[1].shape.window.channels == 2)
            let grouped = ConvolutionTests.cases[1]
            #expect(ConvolutionShape(window: grouped.shape.window, groups: grouped.groups, outputChannels: grouped.outputs).algorithm != .depthwise)
        }
        #expect(ConvolutionAlgorithm.problem(withRequest: "depthwise") == nil)
    }
}
