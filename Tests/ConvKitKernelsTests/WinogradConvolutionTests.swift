import Testing
@testable import ConvKitKernels

/// Winograd F(2×2, 3×3) convolutions against the direct definition (ConvolutionTests' nested
/// loops). With integer inputs in −3…3 every value of the transforms is a multiple of ¼ far below
/// 2²⁴, so the Winograd passes are exact and the comparisons are exact too; a last case with
/// random floats bounds the rounding error.
@Suite struct WinogradConvolutionTests {
    typealias Case = ConvolutionTests.Case

    /// Even and odd output sizes (half-used last tiles), pads 0–2, outputs larger than the input,
    /// a 1×1 input, channel counts that are not multiples of the GEMM tiles, tile rows of 10 and 17
    /// tiles (the transforms take 8 tiles at a time: full and partial groups), rows of 4 tiles that pair
    /// up (7×7 and 8×8 outputs: two tile rows per group) or do not (5×8: 3 tile rows), and batches that make
    /// several blocks of ⌈256/T⌉ images over 1–3 chunks (40 images of 12 tiles: blocks of 22 and 18;
    /// 300 images of 1 tile: 256 and 44).
    static let cases: [Case] = [
        Case(batch: 5, channels: 3, height: 6, width: 6, outputs: 4, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
        Case(batch: 40, channels: 2, height: 5, width: 7, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
        Case(batch: 3, channels: 4, height: 8, width: 9, outputs: 5, groups: 1, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .winograd),
        Case(batch: 2, channels: 3, height: 3, width: 3, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 2, dilation: 1, algorithm: .winograd),
        Case(batch: 300, channels: 1, height: 2, width: 2, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
        Case(batch: 3, channels: 2, height: 1, width: 1, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
        Case(batch: 2, channels: 17, height: 10, width: 11, outputs: 18, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
        Case(batch: 2, channels: 3, height: 7, width: 20, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
        Case(batch: 2, channels: 2, height: 5, width: 35, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .winograd),
        Case(batch: 20, channels: 3, height: 7, width: 7, outputs: 4, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
        Case(batch: 3, channels: 2, height: 10, width: 10, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .winograd),
        Case(batch: 2, channels: 2, height: 5, width: 8, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd),
    ]

    @Test(arguments: cases)
    func forwardMatchesDefinition(t: Case) {
        #expect(t.shape.algorithm == .winograd)
        ConvolutionTests().forwardMatchesDefinition(t: t)
    }

    @Test(arguments: cases)
    func backwardMatchesDefinition(t: Case) {
        #expect(t.shape.algorithm == .winograd)
        ConvolutionTests().backwardMatchesDefinition(t: t)
    }

    /// Mask, no bias, no input gradient: dx untouched, masked weight gradients zero.
    @Test func maskNoBiasNoInputGradient() {
        #expect(Self.cases[1].shape.algorithm == .winograd)
        ConvolutionTests.checkMaskNoBiasNoInputGradient(Self.cases[1])
    }

    /// Random floats, 64 channels: forward within 2e-6 of the definition (relative to the largest
    /// |y|), as the rounding of ~3·576 operations allows; the same for im2col, whose own rounding
    /// differs from the definition's order too.
    @Test func roundingOfRandomFloats() {
        let t = Case(batch: 2, channels: 64, height: 8, width: 8, outputs: 8, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1,
                     algorithm: .winograd)
        let x = GemmTests.values(t.batch * 64 * 64, seed: 11), w = GemmTests.values(8 * 576, seed: 12)
        let expected = ConvolutionTests.naiveForward(t, x: x, w: w, b: nil)
        var y = [Float](repeating: 0, count: expected.count), columns: [Float] = []
        convolutionForward(x, weight: w, bias: nil, t.shape, batch: 2, y: &y, columns: &columns, keepColumns: false, threads: 1)
        let scale = expected.map(abs).max() ?? 1
        let error = zip(y, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= 2e-6 * scale, "max error \(error) of scale \(scale)")
    }

    /// The rule: F(4×4, 3×3) for 3×3 stride-1 undilated ungrouped layers with C·O/(C + O) ≥ 16 on
    /// maps of at least 6×6; F(2×2, 3×3) for the others of at least 8 channels in and out on maps of
    /// at least 2×2 (fraction ≤ 0.8); im2col otherwise, and for any shape Winograd does not support
    /// even when asked for it.
    @Test func algorithmChoice() {
        func shape(_ c: Int, _ o: Int, side: Int = 8, kernel: Int = 3, stride: Int = 1, groups: Int = 1,
                   algorithm: ConvolutionAlgorithm? = nil) -> ConvolutionShape {
            Case(batch: 1, channels: c, height: side, width: side, outputs: o, groups: groups, kernel: kernel, stride: stride, pad: 1,
                 dilation: 1, algorithm: algorithm).shape
        }
        if ConvolutionAlgorithm.forced == nil {
            #expect(shape(16, 16).algorithm == .winograd)             // 16·16/32 = 8 products per transformed value
            #expect(shape(64, 256).algorithm == .winograd4)           // 51 per value, 8×8 map
            #expect(shape(24, 64, side: 31).algorithm == .winograd4)  // airbench94's first 3×3 layer: 17.5
            #expect(shape(32, 32, side: 6).algorithm == .winograd4)   // 16 per value, the smallest side
            #expect(shape(256, 256, side: 5).algorithm == .winograd)  // side under 6; 16·9 / (9·25) = 0.64 of the products
            #expect(shape(256, 256, side: 4).algorithm == .winograd)  // 16·4 / (9·16) = 0.44
            #expect(shape(256, 256, side: 3).algorithm == .winograd)  // 16·4 / (9·9) = 0.79
            #expect(shape(256, 256, side: 1).algorithm == .im2col)    // 16 / 9 = 1.78
            #expect(shape(3, 64).algorithm == .im2col)
            #expect(shape(64, 8).algorithm == .winograd)
            #expect(shape(64, 4).algorithm == .im2col)
        }
        #expect(shape(256, 256, side: 3, algorithm: .winograd).algorithm == .winograd)
        #expect(shape(64, 64, stride: 2, algorithm: .winograd).algorithm == .im2col)
        #expect(shape(64, 64, kernel: 5, algorithm: .winograd).algorithm == .im2col)
        #expect(shape(64, 64, groups: 2, algorithm: .winograd).algorithm == .im2col)
        #expect(shape(64, 64, algorithm: .im2col).algorithm == .im2col)
        #expect(ConvolutionAlgorithm.problem(withRequest: "fft") != nil)
        #expect(ConvolutionAlgorithm.problem(withRequest: "auto") == nil && ConvolutionAlgorithm.problem(withRequest: "winograd") == nil)
    }
}
