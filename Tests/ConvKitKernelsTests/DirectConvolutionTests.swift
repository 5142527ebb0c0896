import Testing
@testable import ConvKitKernels
import ConvKitKernelsC

/// Direct convolutions (the flat domain of direct.c) against the definition (ConvolutionTests'
/// nested loops). Integer inputs in −3…3 keep every partial sum an integer far below 2²⁴, so each
/// engine's sums are exact whatever their order or fusion, and the comparisons are exact.
@Suite struct DirectConvolutionTests {
    typealias Case = ConvolutionTests.Case

    /// LeNet-5's two layers (blocks of 6 and 8 rows); padding 1 and 2 (outputs as large as and
    /// larger than the input); 1×1 and 2×2 kernels; 1×1 outputs; output counts that leave padded
    /// rows in the last block (3 → 4, 7 → 8, 10 → 12); 150 small images, so that one chunk holds
    /// several weight-gradient blocks of 64 images.
    static let cases: [Case] = [
        Case(batch: 3, channels: 3, height: 32, width: 32, outputs: 6, groups: 1, kernel: 5, stride: 1, pad: 0, dilation: 1, algorithm: .direct),
        Case(batch: 5, channels: 6, height: 14, width: 14, outputs: 16, groups: 1, kernel: 5, stride: 1, pad: 0, dilation: 1, algorithm: .direct),
        Case(batch: 4, channels: 2, height: 7, width: 9, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .direct),
        Case(batch: 2, channels: 2, height: 3, width: 3, outputs: 5, groups: 1, kernel: 5, stride: 1, pad: 3, dilation: 1, algorithm: .direct),
        Case(batch: 3, channels: 4, height: 6, width: 5, outputs: 10, groups: 1, kernel: 1, stride: 1, pad: 0, dilation: 1, algorithm: .direct),
        Case(batch: 3, channels: 3, height: 5, width: 5, outputs: 12, groups: 1, kernel: 5, stride: 1, pad: 0, dilation: 1, algorithm: .direct),
        Case(batch: 150, channels: 1, height: 4, width: 4, outputs: 4, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .direct),
        Case(batch: 3, channels: 3, height: 9, width: 8, outputs: 24, groups: 1, kernel: 2, stride: 1, pad: 0, dilation: 1, algorithm: .direct),
        Case(batch: 2, channels: 2, height: 6, width: 6, outputs: 7, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .direct),
    ]

    @Test(arguments: cases)
    func forwardMatchesDefinition(t: Case) {
        #expect(t.shape.algorithm == .direct)
        ConvolutionTests().forwardMatchesDefinition(t: t)
    }

    @Test(arguments: cases)
    func backwardMatchesDefinition(t: Case) {
        #expect(t.shape.algorithm == .direct)
        ConvolutionTests().backwardMatchesDefinition(t: t)
    }

    /// Mask, no bias, no input gradient: dx untouched, masked weight gradients zero.
    @Test func maskNoBiasNoInputGradient() {
        ConvolutionTests.checkMaskNoBiasNoInputGradient(Self.cases[2])
    }

    /// Every engine this CPU supports (portable, AVX2, AVX-512), whatever `CONVKIT_ENGINE` says:
    /// forward and gradients exact against the definition on integers, on the row blocks of 4, 6
    /// and 8 and the 150-image case.
    @Test(arguments: GemmEngine.allCases.filter(\.isSupported))
    func everyEngineMatchesDefinition(engine: GemmEngine) {
        for t in [Self.cases[0], Self.cases[1], Self.cases[2], Self.cases[6]] {
            let s = t.shape
            let x = ConvolutionTests.integers(t.batch * t.channels * t.height * t.width, seed: 21)
            let w = ConvolutionTests.integers(t.outputs * s.window.columnRows, seed: 22)
            let b = ConvolutionTests.integers(t.outputs, seed: 23)
            let dy = ConvolutionTests.integers(t.batch * t.outputs * s.window.columnCount, seed: 24)
            let (dw, db, dxExpected) = ConvolutionTests.naiveBackward(t, x: x, w: w, dy: dy)
            for threads in [1, 2] {
                var y = [Float](repeating: .nan, count: dy.count), workspace: [Float] = []
                directForward(x, weight: w, bias: b, s, batch: t.batch, y: &y, workspace: &workspace, threads: threads, engine: engine)
                #expect(y == ConvolutionTests.naiveForward(t, x: x, w: w, b: b), "\(t) \(engine) threads \(threads)")
                var gradW = [Float](repeating: 0, count: w.count), gradB = [Float](repeating: 0, count: t.outputs)
                var dx = [Float](repeating: 0, count: x.count), partialW: [Float] = [], partialB: [Float] = []
                directBackward(dy, input: x, weight: w, s, batch: t.batch, weightGradient: &gradW, biasGradient: &gradB, mask: nil,
                               dx: &dx, needsInputGradient: true, workspace: &workspace, partialWeights: &partialW,
                               partialBiases: &partialB, threads: threads, engine: engine)
                #expect(gradW == dw && gradB == db && dx == dxExpected, "\(t) \(engine) threads \(threads)")
            }
        }
    }

    /// Random floats on LeNet-5's second layer: forward and weight gradient within 1e-6 of the
    /// largest value, on every supported engine (each sums in the definition's order; AVX2 and
    /// AVX-512 fuse the multiply-adds).
    @Test(arguments: GemmEngine.allCases.filter(\.isSupported))
    func roundingOfRandomFloats(engine: GemmEngine) {
        let t = Self.cases[1], s = t.shape
        let x = GemmTests.values(t.batch * 6 * 196, seed: 31), w = GemmTests.values(16 * 150, seed: 32)
        let dy = GemmTests.values(t.batch * 16 * 100, seed: 33)
        let expected = ConvolutionTests.naiveForward(t, x: x, w: w, b: nil)
        var y = [Float](repeating: 0, count: expected.count), workspace: [Float] = []
        directForward(x, weight: w, bias: nil, s, batch: t.batch, y: &y, workspace: &workspace, threads: 2, engine: engine)
        let scale = expected.map(abs).max() ?? 1
        #expect((zip(y, expected).map { abs($0 - $1) }.max() ?? 0) <= 1e-6 * scale)
        let dw = ConvolutionTests.naiveBackward(t, x: x, w: w, dy: dy).dw
        var gradW = [Float](repeating: 0, count: w.count), noBias: [Float] = [], dx: [Float] = []
        var partialW: [Float] = [], partialB: [Float] = []
        directBackward(dy, input: x, weight: w, s, batch: t.batch, weightGradient: &gradW, biasGradient: &noBias, mask: nil,
                       dx: &dx, needsInputGradient: false, workspace: &workspace, partialWeights: &partialW,
                       partialBiases: &partialB, threads: 2, engine: engine)
        let gradientScale = dw.map(abs).max() ?? 1
        #expect((zip(gradW, dw).map { abs($0 - $1) }.max() ?? 0) <= 1e-6 * gradientScale)
    }

    /// The input gradient without a column matrix gives the bits of SGEMM dcol = Wᵀ·dY (the same
    /// engine) folded by col2im, on random floats (sums in the same order, fused the same way),
    /// wherever it applies (AVX-512, rows of at most 16: every geometry above but the 32×32 one,
    /// with padding that clips rows and columns, 1×1 kernels, rows of 1 to 14 outputs); elsewhere
    /// it says it does not apply and leaves dx alone.
    @Test(arguments: GemmEngine.allCases.filter(\.isSupported))
    func inputGradientHasTheBitsOfGemmAndCol2im(engine: GemmEngine) {
        for (index, t) in Self.cases.enumerated() {
            let g = t.shape.window
            let (o, k, p) = (t.outputs, g.columnRows, g.columnCount)
            let w = GemmTests.values(o * k, seed: 40 + UInt64(index)), dy = GemmTests.values(o * p, seed: 60 + UInt64(index))
            var expected = [Float](repeating: 0, count: g.channels * g.height * g.width)
            var col = [Float](repeating: 0, count: k * p)
            w.withUnsafeBufferPointer { wp in
                dy.withUnsafeBufferPointer { dyp in
                    col.withUnsafeMutableBufferPointer { cp in
                        sgemm(engine: engine, transposeA: true, transposeB: false, m: k, n: p, k: o, a: wp.baseAddress!, lda: k,
                              b: dyp.baseAddress!, ldb: p, beta: 0, c: cp.baseAddress!, ldc: p)
                        expected.withUnsafeMutableBufferPointer { col2im(cp.baseAddress!, g, into: $0.baseAddress!) }
                    }
                }
            }
            let pitch = t.shape.directInputPitch
            var padded = [Float](repeating: 0, count: o * g.outputHeight * pitch)
            for row in 0..<(o * g.outputHeight) {
                for x in 0..<g.outputWidth { padded[row * pitch + x] = dy[row * g.outputWidth + x] }
            }
            var dx = [Float](repeating: 0, count: expected.count)
            let applies = ck_direct_input_gradient_applies(engine.cValue, g.width, g.outputWidth)
            #expect(applies == (engine == .avx512 && g.width <= 16 && g.outputWidth <= 16), "case \(index), \(engine)")
            ck_direct_input_gradient(engine.cValue, padded, pitch, o, g.outputHeight, g.outputWidth, w, g.channels, g.kernelHeight,
                                     g.kernelWidth, g.height, g.width, g.padTop, g.padLeft, &dx)
            if applies {
                #expect(dx.map(\.bitPattern) == expected.map(\.bitPattern), "case \(index), \(engine)")
            } else {
                #expect(dx.allSatisfy { $0 == 0 }, "case \(index), \(engine)")
            }
        }
    }

    /// The rule: direct convolution for stride-1, undilated, ungrouped layers of at most
    /// ``ConvolutionAlgorithm/directMaximumOutputChannels`` outputs and
    /// ``ConvolutionAlgorithm/directDepths`` products per output that Winograd does not take;
    /// never for a shape it does not support, even when asked for.
    @Test func algorithmChoice() {
        func shape(_ c: Int, _ o: Int, side: Int = 14, kernel: Int = 5, stride: Int = 1, dilation: Int = 1, groups: Int = 1,
                   algorithm: ConvolutionAlgorithm? = nil) -> ConvolutionShape {
            Case(batch: 1, channels: c, height: side, width: side, outputs: o, groups: groups, kernel: kernel, stride: stride, pad: 0,
                 dilation: dilation, algorithm: algorithm).shape
        }
        if ConvolutionAlgorithm.forced == nil {
            #expect(shape(3, 6, side: 32).algorithm == .direct)   // LeNet-5 conv1
            #expect(shape(6, 16).algorithm == .direct)            // LeNet-5 conv2
            #expect(shape(3, 64, kernel: 3).algorithm == .im2col) // more outputs than the rule's 32
            #expect(shape(32, 32).algorithm == .im2col)           // 32·25 = 800 products per output
            #expect(shape(3, 24, kernel: 2).algorithm == .im2col) // 3·4 = 12 products per output
            #expect(shape(1, 6, side: 32).algorithm == .direct)   // 25 products per output (MNIST's LeNet-5)
            #expect(shape(16, 16, kernel: 3).algorithm == .winograd)
        }
        #expect(shape(6, 16, stride: 2, algorithm: .direct).algorithm == .im2col)
        #expect(shape(6, 16, dilation: 2, algorithm: .direct).algorithm == .im2col)
        #expect(shape(6, 16, groups: 2, algorithm: .direct).algorithm == .im2col)
        #expect(shape(64, 64, algorithm: .direct).algorithm == .direct)
        #expect(ConvolutionAlgorithm.problem(withRequest: "direct") == nil)
    }
}
