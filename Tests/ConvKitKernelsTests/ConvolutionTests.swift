import Testing
@testable import ConvKitKernels

/// The batch convolution kernels (im2col + GEMM, chunked over images) against the direct
/// definition written as nested loops here. Inputs are small integers, so every sum is exact
/// in Float whatever its order and the comparisons are exact.
@Suite struct ConvolutionTests {
    /// Integers in −3...3 (deterministic).
    static func integers(_ count: Int, seed: UInt64) -> [Float] {
        GemmTests.values(count, seed: seed).map { ($0 * 3).rounded() }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var batch: Int, channels: Int, height: Int, width: Int, outputs: Int, groups: Int
        var kernel: Int, stride: Int, pad: Int, dilation: Int
        /// The algorithm to force (nil: the per-shape rule).
        var algorithm: ConvolutionAlgorithm? = nil
        var testDescription: String {
            "N\(batch) C\(channels) \(height)×\(width) O\(outputs) g\(groups) k\(kernel) s\(stride) p\(pad) d\(dilation)"
                + (algorithm.map { " \($0.rawValue)" } ?? "")
        }
        var shape: ConvolutionShape {
            let oh = (height + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1
            let ow = (width + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1
            let window = WindowGeometry(channels: channels / groups, height: height, width: width, kernelHeight: kernel,
                                        kernelWidth: kernel, strideHeight: stride, strideWidth: stride, padTop: pad, padLeft: pad,
                                        dilationHeight: dilation, dilationWidth: dilation, outputHeight: oh, outputWidth: ow)
            return ConvolutionShape(window: window, groups: groups, outputChannels: outputs, algorithm: algorithm)
        }
    }

    /// im2col (forced: the rule gives small stride-1 layers to direct convolution, tested in
    /// DirectConvolutionTests). Unit stride (C im2col), strided and padded (general im2col), grouped, dilated; batches
    /// that split unevenly between chunks. Maps under 100 pixels go in blocks of ⌈256/P⌉ images:
    /// the first cases fit one block; 3×3 outputs (P = 9, blocks of 29) at batch 61 make blocks of
    /// 29, 29 and 3 over up to 3 chunks, and at batch 30 a block of one image after a full one
    /// (grouped and padded); a 12×10 output (P = 120) keeps one image per GEMM.
    static let cases: [Case] = [
        Case(batch: 61, channels: 3, height: 5, width: 5, outputs: 4, groups: 1, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .im2col),
        Case(batch: 30, channels: 4, height: 3, width: 3, outputs: 4, groups: 2, kernel: 3, stride: 1, pad: 1, dilation: 1, algorithm: .im2col),
        Case(batch: 3, channels: 2, height: 12, width: 10, outputs: 3, groups: 1, kernel: 1, stride: 1, pad: 0, dilation: 1, algorithm: .im2col),
        Case(batch: 3, channels: 2, height: 6, width: 7, outputs: 3, groups: 1, kernel: 3, stride: 1, pad: 0, dilation: 1, algorithm: .im2col),
        Case(batch: 4, channels: 4, height: 5, width: 5, outputs: 6, groups: 2, kernel: 3, stride: 2, pad: 1, dilation: 1, algorithm: .im2col),
        Case(batch: 5, channels: 3, height: 7, width: 6, outputs: 2, groups: 1, kernel: 2, stride: 1, pad: 1, dilation: 2, algorithm: .im2col),
        Case(batch: 1, channels: 1, height: 4, width: 4, outputs: 1, groups: 1, kernel: 1, stride: 1, pad: 0, dilation: 1, algorithm: .im2col),
    ]

    /// y[n, o, oy, ox] = b[o] + Σ_{c in o's group, i, j} w[o, c, i, j] · x[n, c, oy·s − p + i·d, ox·s − p + j·d].
    static func naiveForward(_ t: Case, x: [Float], w: [Float], b: [Float]?) -> [Float] {
        let g = t.shape.window
        let (og, cg) = (t.outputs / t.groups, t.channels / t.groups)
        var y = [Float](repeating: 0, count: t.batch * t.outputs * g.outputHeight * g.outputWidth)
        for n in 0..<t.batch {
            for o in 0..<t.outputs {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        var total = b?[o] ?? 0
                        for cl in 0..<cg {
                            let c = (o / og) * cg + cl
                            for i in 0..<t.kernel {
                                for j in 0..<t.kernel {
                                    let yy = oy * t.stride - t.pad + i * t.dilation, xx = ox * t.stride - t.pad + j * t.dilation
                                    guard yy >= 0, yy < t.height, xx >= 0, xx < t.width else { continue }
                                    total += w[((o * cg + cl) * t.kernel + i) * t.kernel + j]
                                        * x[((n * t.channels + c) * t.height + yy) * t.width + xx]
                                }
                            }
                        }
                        y[((n * t.outputs + o) * g.outputHeight + oy) * g.outputWidth + ox] = total
                    }
                }
            }
        }
        return y
    }

    /// The adjoint sums: dW[o, cl, i, j] = Σ dy·x, db[o] = Σ dy, dx[n, c, yy, xx] = Σ dy·w over
    /// the same (output, tap) pairs as the forward definition.
    static func naiveBackward(_ t: Case, x: [Float], w: [Float], dy: [Float]) -> (dw: [Float], db: [Float], dx: [Float]) {
        let g = t.shape.window
        let (og, cg) = (t.outputs / t.groups, t.channels / t.groups)
        var dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: t.outputs)
        var dx = [Float](repeating: 0, count: x.count)
        for n in 0..<t.batch {
            for o in 0..<t.outputs {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        let d = dy[((n * t.outputs + o) * g.outputHeight + oy) * g.outputWidth + ox]
                        db[o] += d
                        for cl in 0..<cg {
                            let c = (o / og) * cg + cl
                            for i in 0..<t.kernel {
                                for j in 0..<t.kernel {
                                    let yy = oy * t.stride - t.pad + i * t.dilation, xx = ox * t.stride - t.pad + j * t.dilation
                                    guard yy >= 0, yy < t.height, xx >= 0, xx < t.width else { continue }
                                    let wi = ((o * cg + cl) * t.kernel + i) * t.kernel + j
                                    let xi = ((n * t.channels + c) * t.height + yy) * t.width + xx
                                    dw[wi] += d * x[xi]
                                    dx[xi] += d * w[wi]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dw, db, dx)
    }

    @Test(arguments: cases)
    func forwardMatchesDefinition(t: Case) { Self.checkForward(t) }

    @Test(arguments: cases)
    func backwardMatchesDefinition(t: Case) { Self.checkBackward(t) }

    /// The largest |actual − expected| relative to expected's largest magnitude (at least 1); infinity
    /// when the sizes differ or a value is not finite.
    static func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
        guard actual.count == expected.count, actual.allSatisfy(\.isFinite) else { return .infinity }
        let scale = max(expected.map(abs).max() ?? 0, 1)
        return (zip(actual, expected).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    /// Whether `actual` equals `expected` exactly (tolerance nil) or within `tolerance` relative error.
    static func matches(_ actual: [Float], _ expected: [Float], tolerance: Float?) -> Bool {
        guard let tolerance else { return actual == expected }
        return relativeError(actual, expected) <= tolerance
    }

    /// The forward pass on integer data against the definition, with and without bias, at 1–3
    /// threads, columns kept or not: exactly, or within `tolerance` (then the threads must still give
    /// the same bits, since each output is computed the same way).
    static func checkForward(_ t: Case, tolerance: Float? = nil) {
        let s = t.shape
        let x = Self.integers(t.batch * t.channels * t.height * t.width, seed: 1)
        let w = Self.integers(t.outputs * s.window.columnRows, seed: 2)
        let b = Self.integers(t.outputs, seed: 3)
        for bias in [b, nil] {
            let expected = Self.naiveForward(t, x: x, w: w, b: bias)
            var first: [Float]?
            for threads in [1, 2, 3] {
                for keep in [false, true] {
                    var y = [Float](repeating: .nan, count: expected.count)
                    var columns: [Float] = []
                    convolutionForward(x, weight: w, bias: bias, s, batch: t.batch, y: &y, columns: &columns,
                                       keepColumns: keep, threads: threads)
                    #expect(matches(y, expected, tolerance: tolerance),
                            "threads \(threads) keep \(keep) bias \(bias != nil): relative error \(relativeError(y, expected))")
                    #expect(columns.count == s.columnsCount(batch: t.batch, threads: threads, keepColumns: keep))
                    if let first { #expect(y == first, "threads \(threads) keep \(keep): not the same bits") } else { first = y }
                }
            }
        }
    }

    /// The backward pass on integer data against the definition's adjoint sums (gradients
    /// accumulate: from 1 everywhere, 1 + the batch's sum is expected), at 1–3 threads, columns kept
    /// or not: exactly, or within `tolerance` (the bias gradient, a plain sum, always exactly).
    static func checkBackward(_ t: Case, tolerance: Float? = nil) {
        let s = t.shape
        let x = Self.integers(t.batch * t.channels * t.height * t.width, seed: 4)
        let w = Self.integers(t.outputs * s.window.columnRows, seed: 5)
        let dy = Self.integers(t.batch * t.outputs * s.window.columnCount, seed: 6)
        let (dw, db, dxExpected) = Self.naiveBackward(t, x: x, w: w, dy: dy)
        for threads in [1, 2, 3] {
            for keep in [false, true] {
                var columns: [Float] = []
                var y = [Float](repeating: 0, count: dy.count)
                convolutionForward(x, weight: w, bias: nil, s, batch: t.batch, y: &y, columns: &columns, keepColumns: keep, threads: threads)
                var gradW = [Float](repeating: 1, count: w.count), gradB = [Float](repeating: 1, count: t.outputs)
                var dx = [Float](repeating: 0, count: x.count)
                var partialW: [Float] = [], partialB: [Float] = []
                convolutionBackward(dy, input: x, weight: w, s, batch: t.batch, weightGradient: &gradW, biasGradient: &gradB,
                                    mask: nil, dx: &dx, needsInputGradient: true, columns: &columns, columnsKept: keep,
                                    partialWeights: &partialW, partialBiases: &partialB, threads: threads)
                let expectedW = dw.map { $0 + 1 }
                #expect(matches(gradW, expectedW, tolerance: tolerance),
                        "threads \(threads) keep \(keep): dW relative error \(relativeError(gradW, expectedW))")
                #expect(gradB == db.map { $0 + 1 }, "threads \(threads) keep \(keep)")
                #expect(matches(dx, dxExpected, tolerance: tolerance),
                        "threads \(threads) keep \(keep): dx relative error \(relativeError(dx, dxExpected))")
            }
        }
    }

    /// A 0/1 mask zeroes the masked weight gradients (direct and chunked paths); without a bias
    /// (empty bias gradient) and without the input gradient, dx stays untouched.
    @Test func maskNoBiasNoInputGradient() { Self.checkMaskNoBiasNoInputGradient(Self.cases[0]) }

    /// The check of ``maskNoBiasNoInputGradient()`` on case `t`.
    static func checkMaskNoBiasNoInputGradient(_ t: Case) {
        let s = t.shape
        let x = integers(t.batch * t.channels * t.height * t.width, seed: 7)
        let w = integers(t.outputs * s.window.columnRows, seed: 8)
        let dy = integers(t.batch * t.outputs * s.window.columnCount, seed: 9)
        let mask = (0..<w.count).map { Float($0 % 3 == 0 ? 0 : 1) }
        let dw = naiveBackward(t, x: x, w: w, dy: dy).dw
        for threads in [1, 2] {
            var columns: [Float] = [], partialW: [Float] = [], partialB: [Float] = []
            var gradW = [Float](repeating: 0, count: w.count), noBias: [Float] = [], dx: [Float] = []
            convolutionBackward(dy, input: x, weight: w, s, batch: t.batch, weightGradient: &gradW, biasGradient: &noBias,
                                mask: mask, dx: &dx, needsInputGradient: false, columns: &columns, columnsKept: false,
                                partialWeights: &partialW, partialBiases: &partialB, threads: threads)
            #expect(gradW == zip(dw, mask).map { $0 * $1 }, "threads \(threads)")
            #expect(gradW.enumerated().allSatisfy { $0.offset % 3 != 0 || $0.element == 0 })
            #expect(noBias.isEmpty && dx.isEmpty)
        }
    }
}
