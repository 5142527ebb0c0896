import Testing
@testable import ConvKit

/// Convolution through im2col + GEMM against direct loops over the definition, and its input
/// gradient against the full convolution of ∂L/∂y with the 180°-rotated kernels.
@Suite struct ConvolutionReferenceTests {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = RandomGenerator(seed: seed)
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.storage[i] = g.nextNormal() }
        return t
    }

    /// y[n,o,i,j] = b[o] + Σ_{c in group(o), a, b} w[o, c − c0, a, b] · x[n, c, i·s − p + a·d, j·s − p + b·d]
    static func direct(_ x: Tensor, _ w: Tensor, _ bias: [Float]?, stride: Int, padding: Int, dilation: Int, groups: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding - dilation * (kh - 1) - 1) / stride + 1
        let ow = (wd + 2 * padding - dilation * (kw - 1) - 1) / stride + 1
        var y = Tensor(shape: [n, o, oh, ow])
        for image in 0..<n { for out in 0..<o { for i in 0..<oh { for j in 0..<ow {
            var sum = Double(bias?[out] ?? 0)
            let group = out / (o / groups)
            for ci in 0..<cg { for a in 0..<kh { for b in 0..<kw {
                let yy = i * stride - padding + a * dilation, xx = j * stride - padding + b * dilation
                guard yy >= 0, yy < h, xx >= 0, xx < wd else { continue }
                let channel = group * cg + ci
                sum += Double(w.storage[((out * cg + ci) * kh + a) * kw + b]) * Double(x.storage[((image * c + channel) * h + yy) * wd + xx])
            } } }
            y.storage[((image * o + out) * oh + i) * ow + j] = Float(sum)
        } } } }
        return y
    }

    @Test(arguments: [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (2, 1, 1, 2), (3, 0, 1, 2)])
    func forwardMatchesDirectLoops(config: (stride: Int, padding: Int, dilation: Int, groups: Int)) throws {
        let layer = Conv2d("conv", 4, 6, kernel: 3, stride: config.stride, padding: config.padding, dilation: config.dilation, groups: config.groups)
        var random = RandomGenerator(seed: 3)
        let runtime = try layer.makeRuntime(input: [4, 9, 8], path: "conv", random: &random)
        let x = Self.random([3, 4, 9, 8], seed: 4)
        for threads in [1, 2] {
            var context = RunContext(training: true, threads: threads)
            let fast = try runtime.forward(x, &context)
            let reference = Self.direct(x, runtime.parameters[0].value, runtime.parameters[1].value.storage, stride: config.stride,
                                        padding: config.padding, dilation: config.dilation, groups: config.groups)
            #expect(fast.shape == reference.shape)
            let error = zip(fast.storage, reference.storage).map { abs($0 - $1) }.max() ?? 0
            #expect(error < 1e-4, "max error \(error) with \(threads) threads")
        }
    }

    /// For stride 1: ∂L/∂x[c] = Σ_o full-convolution(∂L/∂y[o], rot180(w[o, c])), i.e. a
    /// cross-correlation of the (k−1−p)-padded output gradient with the rotated kernel, with the
    /// roles of input and output channels swapped.
    @Test(arguments: [0, 1, 2])
    func inputGradientIsFullConvolutionWithRotatedKernel(padding: Int) throws {
        let (c, o, k, h, w) = (3, 2, 3, 6, 5)
        let layer = Conv2d("conv", c, o, kernel: k, padding: padding)
        var random = RandomGenerator(seed: 8)
        let runtime = try layer.makeRuntime(input: [c, h, w], path: "conv", random: &random)
        let x = Self.random([2, c, h, w], seed: 9)
        var context = RunContext(training: true)
        let y = try runtime.forward(x, &context)
        let dy = Self.random(y.shape, seed: 10)
        let dx = try runtime.backward(dy, &context)

        let weight = runtime.parameters[0].value
        // rotated[c, o, a, b] = w[o, c, k−1−a, k−1−b]
        var rotated = Tensor(shape: [c, o, k, k])
        for oc in 0..<o { for ic in 0..<c { for a in 0..<k { for b in 0..<k {
            rotated.storage[((ic * o + oc) * k + a) * k + b] = weight.storage[((oc * c + ic) * k + (k - 1 - a)) * k + (k - 1 - b)]
        } } } }
        let full = Self.direct(dy, rotated, nil, stride: 1, padding: k - 1 - padding, dilation: 1, groups: 1)
        #expect(full.shape == dx.shape)
        let error = zip(full.storage, dx.storage).map { abs($0 - $1) }.max() ?? 0
        #expect(error < 1e-4, "max error \(error)")
    }
}
