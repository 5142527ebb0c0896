import Testing
@testable import ConvKitKernels

/// Winograd F(4×4, 3×3) convolutions against the direct definition (ConvolutionTests' nested
/// loops). Its transforms use ¼, ⅙, 1/12 and 1/24 rounded to float, so unlike F(2×2, 3×3) it is not
/// exact on integers: every comparison allows an error relative to the largest value of the
/// expected result (integers in −3…3: within 10⁻⁵ of it; random floats at 64 channels: 2·10⁻⁵, an
/// order of magnitude above F(2×2, 3×3)'s 2·10⁻⁶, the cost of the larger tile).
@Suite struct Winograd4ConvolutionTests {
    typealias Case = ConvolutionTests.Case

    /// Output sides that are and are not multiples of 4 (partly used last tiles), pads 0–2, a 1×1
    /// input, tile rows of 1, 2 and 4 tiles (8, 4 and 2 tile rows share the 8 lanes, with the last
    /// group partly past the grid: 3×3 tile rows of 1 and 2 tiles), of 3, 5 and 6 tiles (one row per
    /// group, lanes past the row), of 9 and 10 (a full and a partial group), channel counts that are
    /// not multiples of the GEMM tiles, and batches that make several blocks of ⌈256/T⌉ images over
    /// 1–3 chunks (70 images of 4 tiles: blocks of 64 and 6; 300 images of 1 tile: 256 and 44).
    static let cases: [Case] = [
        Case(batch: 5, channels: 3, height: 8, width: 8, outputs: 4, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 70, channels: 2, height: 7, width: 7, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 3, channels: 4, height: 15, width: 15, outputs: 5, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 2, channels: 3, height: 3, width: 3, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 2, dilation: 1, algorithm: .winograd4),
        Case(batch: 300, channels: 1, height: 3, width: 3, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 3, channels: 2, height: 1, width: 1, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 2, channels: 17, height: 10, width: 11, outputs: 18, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 2, channels: 3, height: 9, width: 36, outputs: 2, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 2, channels: 2, height: 6, width: 42, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .winograd4),
        Case(batch: 4, channels: 3, height: 12, width: 20, outputs: 4, groups: 1, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .winograd4),
        Case(batch: 3, channels: 2, height: 10, width: 24, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
        Case(batch: 2, channels: 8, height: 31, width: 31, outputs: 8, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .winograd4),
    ]

    /// The bound on the relative error (``ConvolutionTests/relativeError(_:_:)``) for integer data.
    static let tolerance: Float = 1e-5

    @Test(arguments: cases)
    func forwardMatchesDefinition(t: Case) {
        #expect(t.shape.algorithm == .winograd4)
        ConvolutionTests.checkForward(t, tolerance: Self.tolerance)
    }

    @Test(arguments: cases)
    func backwardMatchesDefinition(t: Case) {
        #expect(t.shape.algorithm == .winograd4)
        ConvolutionTests.checkBackward(t, tolerance: Self.tolerance)
    }

    /// Mask, no bias, no input gradient: dx untouched, masked weight gradients exactly zero.
    @Test func maskNoBiasNoInputGradient() {
        let t = Self.cases[1], s = t.shape
        let x = ConvolutionTests.integers(t.batch * t.channels * t.height * t.width, seed: 7)
        let w = ConvolutionTests.integers(t.outputs * s.window.columnRows, seed: 8)
        let dy = ConvolutionTests.integers(t.batch * t.outputs * s.window.columnCount, seed: 9)
        let mask = (0..<w.count).map { Float($0 % 3 == 0 ? 0 : 1) }
        let dw = ConvolutionTests.naiveBackward(t, x: x, w: w, dy: dy).dw
        for threads in [1, 2] {
            var columns: [Float] = [], partialW: [Float] = [], partialB: [Float] = []
            var gradW = [Float](repeating: 0, count: w.count), noBias: [Float] = [], dx: [Float] = []
            convolutionBackward(dy, input: x, weight: w, s, batch: t.batch, weightGradient: &gradW, biasGradient: &noBias,
                                mask: mask, dx: &dx, needsInputGradient: false, columns: &columns, columnsKept: false,
                                partialWeights: &partialW, partialBiases: &partialB, threads: threads)
            let e = ConvolutionTests.relativeError(gradW, zip(dw, mask).map { $0 * $1 })
            #expect(e <= Self.tolerance, "error \(e), threads \(threads)")
            #expect(gradW.enumerated().allSatisfy { $0.offset % 3 != 0 || $0.element == 0 })
            #expect(noBias.isEmpty && dx.isEmpty)
        }
    }

    /// Random floats, 64 channels: forward within 2e-5 of the definition (relative to the largest |y|).
    @Test func roundingOfRandomFloats() {
        let t = Case(batch: 2, channels: 64, height: 8, width: 8, outputs: 8, groups: 1, kernel: 3, stride: 1, pad: 1, dilation: 1,
                     algorithm: .winograd4)
        let x = GemmTests.values(t.batch * 64 * 64, seed: 11), w = GemmTests.values(8 * 576, seed: 12)
        let expected = ConvolutionTests.naiveForward(t, x: x, w: w, b: nil)
        var y = [Float](repeating: 0, count: expected.count), columns: [Float] = []
        convolutionForward(x, weight: w, bias: nil, t.shape, batch: 2, y: &y, columns: &columns, keepColumns: false, threads: 1)
        let scale = expected.map(abs).max() ?? 1
        let error = zip(y, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= 2e-5 * scale, "max error \(error) of scale \(scale)")
    }

    /// Forcing: F(4×4, 3×3) only where Winograd applies (3×3, stride 1, undilated, ungrouped).
    @Test func forcedOnlyWhereSupported() {
        func shape(stride: Int = 1, kernel: Int = 3, groups: Int = 1) -> ConvolutionShape {
            Case(batch: 1, channels: 8, height: 8, width: 8, outputs: 8, groups: groups, kernel: kernel, stride: stride, pad: 1,
                 dilation: 1, algorithm: .winograd4).shape
        }
        #expect(shape().algorithm == .winograd4)
        #expect(shape(stride: 2).algorithm == .im2col)
        #expect(shape(kernel: 5).algorithm == .im2col)
        #expect(shape(groups: 2).algorithm == .im2col)
        #expect(ConvolutionAlgorithm.problem(withRequest: "winograd4") == nil)
    }
}
