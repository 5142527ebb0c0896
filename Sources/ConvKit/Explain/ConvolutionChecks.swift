/// The three checks of `convkit explain conv`, each an independent computation compared with
/// ``ConvolutionMatrix``:
///
/// (a) `A·x` against ConvKit's ``Conv2d`` forward pass (im2col + GEMM, bias off);
/// (b) `Aᵀ·g` against ConvKit's ``Conv2d`` backward pass to the input, for an output gradient
///     `g = ∂L/∂y`;
/// (c) `Aᵀ·g` against a *full convolution* of g with the 180°-rotated kernels, input and output
///     channel roles swapped (see ``fullConvolutionWithRotatedKernels(_:weights:geometry:)``).
public struct ConvolutionChecks: Sendable {
    /// `A·x`, flattened `M×H'×W'`.
    public var output: [Double]
    /// ConvKit's forward output.
    public var runtimeOutput: [Float]
    /// `Aᵀ·g`, flattened `C×H×W`.
    public var inputGradient: [Double]
    /// ConvKit's backward output ∂L/∂x.
    public var runtimeInputGradient: [Float]
    /// The rotated-kernel full convolution of g.
    public var rotatedKernelGradient: [Double]
    /// max |A·x − conv(x)|.
    public var forwardMaxAbsError: Double
    /// max |Aᵀ·g − conv backward(g)|.
    public var transposeBackwardMaxAbsError: Double
    /// max |Aᵀ·g − full convolution of g with rotated kernels|.
    public var rotatedKernelMaxAbsError: Double

    /// Runs the three checks for input `x` (`C×H×W`), weights (`[M, C, kh, kw]`) and output
    /// gradient `g` (`M×H'×W'`).
    public init(matrix: ConvolutionMatrix, x: [Float], weights: [Float], outputGradient g: [Float]) throws {
        let geometry = matrix.geometry
        guard x.count == matrix.columns, weights.count == geometry.weightCount, g.count == matrix.rows else {
            throw ConvKitError.invalidArgument(name: "convolution values", reason: "expected \(matrix.columns) inputs, \(geometry.weightCount) weights and \(matrix.rows) output gradients, found \(x.count), \(weights.count), \(g.count)")
        }
        output = matrix.multiply(x, weights: weights)
        inputGradient = matrix.multiplyTransposed(g, weights: weights)

        var random = RandomGenerator(seed: 0)
        let runtime = try geometry.layer.makeRuntime(input: geometry.input, path: "conv", random: &random)
        runtime.parameters[0].value = try Tensor(shape: [geometry.filters, geometry.channels, geometry.kernel.height, geometry.kernel.width], values: weights)
        var context = RunContext(training: true, threads: 1)
        runtimeOutput = try runtime.forward(try Tensor(shape: [1] + geometry.input.dimensions, values: x), &context).storage
        runtimeInputGradient = try runtime.backward(try Tensor(shape: [1] + geometry.output.dimensions, values: g), &context).storage
        rotatedKernelGradient = Self.fullConvolutionWithRotatedKernels(g, weights: weights, geometry: geometry)

        forwardMaxAbsError = ExplainArguments.maxAbsDifference(output, runtimeOutput)
        transposeBackwardMaxAbsError = ExplainArguments.maxAbsDifference(inputGradient, runtimeInputGradient)
        rotatedKernelMaxAbsError = ExplainArguments.maxAbsDifference(inputGradient, rotatedKernelGradient)
    }

    /// ∂L/∂x as a full convolution, written with plain loops:
    ///
    /// 1. *Dilate* g by the stride: insert `s − 1` zeros between neighbouring entries, giving
    ///    `(H'−1)·s + 1` rows (likewise columns).
    /// 2. *Pad* it with `P = d(k−1) − p` zeros on the top/left (cropping when negative) into a
    ///    plane of `H + d(k−1)` rows, zeros after it.
    /// 3. Cross-correlate (valid, dilation d) with the rotated kernels
    ///    `rot[c, m, a, b] = w[m, c, kh−1−a, kw−1−b]`: input channel c now plays the output role.
    ///
    /// Why: `∂L/∂x[c,h] = Σ_{m,i,a} g[m,i]·w[m,c,a]` over `h = i·s − p + a·d`; writing `u = i·s` and
    /// `a′ = k−1−a` gives `u = h + a′·d − P`, a dilated cross-correlation of the padded, dilated g.
    public static func fullConvolutionWithRotatedKernels(_ g: [Float], weights: [Float], geometry: ConvolutionGeometry) -> [Double] {
        let geo = geometry
        let (m, c, kh, kw) = (geo.filters, geo.channels, geo.kernel.height, geo.kernel.width)
        let (sh, sw, dh, dw) = (geo.stride.height, geo.stride.width, geo.dilation.height, geo.dilation.width)
        let (oh, ow) = (geo.outputHeight, geo.outputWidth)
        // 1. Stride-dilated gradient: (H'−1)·s + 1 rows.
        let (dilatedHeight, dilatedWidth) = ((oh - 1) * sh + 1, (ow - 1) * sw + 1)
        var dilated = [Double](repeating: 0, count: m * dilatedHeight * dilatedWidth)
        for f in 0..<m {
            for i in 0..<oh {
                for j in 0..<ow {
                    dilated[(f * dilatedHeight + i * sh) * dilatedWidth + j * sw] = Double(g[(f * oh + i) * ow + j])
                }
            }
        }
        // 2. Padded to (H + d(kh−1)) × (W + d(kw−1)), the dilated gradient starting at (P_h, P_w).
        let (padTop, padLeft) = (dh * (kh - 1) - geo.padding.height, dw * (kw - 1) - geo.padding.width)
        let (paddedHeight, paddedWidth) = (geo.height + dh * (kh - 1), geo.width + dw * (kw - 1))
        var padded = [Double](repeating: 0, count: m * paddedHeight * paddedWidth)
        for f in 0..<m {
            for u in 0..<dilatedHeight {
                let row = u + padTop
                guard row >= 0, row < paddedHeight else { continue }
                for v in 0..<dilatedWidth {
                    let column = v + padLeft
                    guard column >= 0, column < paddedWidth else { continue }
                    padded[(f * paddedHeight + row) * paddedWidth + column] = dilated[(f * dilatedHeight + u) * dilatedWidth + v]
                }
            }
        }
        // 3. Valid cross-correlation with the rotated kernels, channels swapped.
        func rotated(_ channel: Int, _ filter: Int, _ a: Int, _ b: Int) -> Double {
            Double(weights[((filter * c + channel) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)])
        }
        var dx = [Double](repeating: 0, count: c * geo.height * geo.width)
        for channel in 0..<c {
            for h in 0..<geo.height {
                for w in 0..<geo.width {
                    var sum = 0.0
                    for f in 0..<m {
                        for a in 0..<kh {
                            for b in 0..<kw {
                                sum += padded[(f * paddedHeight + h + a * dh) * paddedWidth + w + b * dw] * rotated(channel, f, a, b)
                            }
                        }
                    }
                    dx[(channel * geo.height + h) * geo.width + w] = sum
                }
            }
        }
        return dx
    }
}
