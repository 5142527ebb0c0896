import Foundation
import Testing
@testable import ConvKitKernels

/// The batch entry points over arrays (pooling, activations, fully connected, SGD, copies)
/// against per-plane calls or naive loops written here.
@Suite struct BatchKernelTests {
    static func geometry(height: Int, width: Int, kernel: Int, stride: Int, pad: Int) -> WindowGeometry {
        let oh = (height + 2 * pad - kernel) / stride + 1, ow = (width + 2 * pad - kernel) / stride + 1
        return WindowGeometry(channels: 1, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                              strideHeight: stride, strideWidth: stride, padTop: pad, padLeft: pad,
                              dilationHeight: 1, dilationWidth: 1, outputHeight: oh, outputWidth: ow)
    }

    /// Max pooling of 5 planes (2×2 fast path and a padded 3×3 window) equals the plane kernel
    /// applied plane by plane, for 1 and 3 chunks; backward routes dy to the argmax and zeroes
    /// the rest of dx (which starts as garbage).
    @Test(arguments: [1, 3])
    func maxPoolBatchMatchesPlanes(chunks: Int) {
        let planes = 5
        for g in [Self.geometry(height: 6, width: 8, kernel: 2, stride: 2, pad: 0), Self.geometry(height: 5, width: 5, kernel: 3, stride: 2, pad: 1)] {
            let (inPlane, outPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
            let x = FastPathTests.awkward(planes * inPlane, seed: 21)
            var y = [Float](repeating: 0, count: planes * outPlane), argmax = [Int32](repeating: 0, count: planes * outPlane)
            maxPoolForward(x, g, planes: planes, y: &y, argmax: &argmax, chunks: chunks, threads: 2)
            var expectedDx = [Float](repeating: 0, count: planes * inPlane)
            let dy = GemmTests.values(planes * outPlane, seed: 22)
            for plane in 0..<planes {
                var py = [Float](repeating: 0, count: outPlane), pa = [Int32](repeating: 0, count: outPlane)
                maxPoolPlaneGeneral(Array(x[plane * inPlane..<(plane + 1) * inPlane]), g, y: &py, argmax: &pa)
                #expect(Array(argmax[plane * outPlane..<(plane + 1) * outPlane]) == pa)
                #expect(y[plane * outPlane..<(plane + 1) * outPlane].map(\.bitPattern) == py.map(\.bitPattern))
                for o in 0..<outPlane where pa[o] >= 0 { expectedDx[plane * inPlane + Int(pa[o])] += dy[plane * outPlane + o] }
            }
            var dx = [Float](repeating: .nan, count: planes * inPlane)
            maxPoolBackward(dy, argmax: argmax, g, planes: planes, dx: &dx, chunks: chunks, threads: 2)
            #expect(dx == expectedDx)
        }
    }

    /// Average pooling with and without counting the padding, against the definition: the mean
    /// of the window's in-plane values divided by the clipped (or padded) window size.
    @Test(arguments: [false, true])
    func averagePoolBatchMatchesDefinition(countIncludePad: Bool) {
        let planes = 3
        let g = Self.geometry(height: 4, width: 5, kernel: 3, stride: 2, pad: 1)
        let (inPlane, outPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
        let x = (0..<(planes * inPlane)).map { Float($0 % 7) }  // small integers: every sum is exact
        var y = [Float](repeating: .nan, count: planes * outPlane)
        averagePoolForward(x, g, planes: planes, countIncludePad: countIncludePad, y: &y, chunks: 2, threads: 2)
        let dy = (0..<(planes * outPlane)).map { Float($0 % 5) }
        var expectedDx = [Float](repeating: 0, count: planes * inPlane)
        for plane in 0..<planes {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    var total: Float = 0, inside = 0
                    for i in 0..<3 {
                        for j in 0..<3 {
                            let (yy, xx) = (oy * 2 - 1 + i, ox * 2 - 1 + j)
                            if yy >= 0 && yy < g.height && xx >= 0 && xx < g.width {
                                total += x[plane * inPlane + yy * g.width + xx]
                                inside += 1
                            }
                        }
                    }
                    // The padded window stops at the padded border (H + p, W + p).
                    let padded = (min(oy * 2 - 1 + 3, g.height + 1) - (oy * 2 - 1)) * (min(ox * 2 - 1 + 3, g.width + 1) - (ox * 2 - 1))
                    let divisor = Float(countIncludePad ? padded : inside)
                    #expect(y[plane * outPlane + oy * g.outputWidth + ox] == total / divisor)
                    let share = dy[plane * outPlane + oy * g.outputWidth + ox] / divisor
                    for i in 0..<3 {
                        for j in 0..<3 {
                            let (yy, xx) = (oy * 2 - 1 + i, ox * 2 - 1 + j)
                            if yy >= 0 && yy < g.height && xx >= 0 && xx < g.width { expectedDx[plane * inPlane + yy * g.width + xx] += share }
                        }
                    }
                }
            }
        }
        var dx = [Float](repeating: .nan, count: planes * inPlane)
        averagePoolBackward(dy, g, planes: planes, countIncludePad: countIncludePad, dx: &dx, chunks: 3, threads: 2)
        for i in dx.indices { #expect(abs(dx[i] - expectedDx[i]) <= 1e-6 * max(1, abs(expectedDx[i])), "dx[\(i)]") }
    }

    /// Adaptive pooling of a 5×7 plane to 3×2: rows 0..<2, 1..<4, 3..<5 (⌊i·5/3⌋ ..< ⌈(i+1)·5/3⌉)
    /// and columns 0..<4, 3..<7 (⌊j·7/2⌋ ..< ⌈(j+1)·7/2⌉).
    @Test func adaptiveAveragePoolWindows() {
        let (h, w) = (5, 7)
        let x = (0..<(2 * h * w)).map { Float($0) }  // value = flat index
        var y = [Float](repeating: .nan, count: 2 * 6)
        adaptiveAveragePoolForward(x, planes: 2, height: h, width: w, outputHeight: 3, outputWidth: 2, y: &y)
        // Output (0, 0): rows 0–1, columns 0–3 → values r·7 + c, mean (0 + 7)/2 + 1.5 = 5.
        #expect(y[0] == 5)
        // Output (2, 1) of plane 1: rows 3–4, columns 3–6 → 35 + mean(7r) + mean(c) = 35 + 24.5 + 4.5 = 64.
        #expect(y[11] == 64)
        // Backward: every window hands dy/size to each of its inputs; windows overlap on row 3
        // (rows 1..<4 and 3..<5) and column 3.
        var dx = [Float](repeating: 0, count: 2 * h * w)
        let dy = [Float](repeating: 24, count: 12)
        adaptiveAveragePoolBackward(dy, planes: 2, height: h, width: w, outputHeight: 3, outputWidth: 2, dx: &dx)
        // Position (0, 0): one window, 2·4 = 8 inputs → 24/8 = 3. Position (3, 3): windows (1, 0),
        // (1, 1), (2, 0), (2, 1) of sizes 3·4, 3·4, 2·4, 2·4 → 2 + 2 + 3 + 3 = 10.
        #expect(dx[0] == 3 && dx[3 * w + 3] == 10)
        #expect(dx[h * w + 3 * w + 3] == 10)
    }

    /// Every activation kernel equals its formula (PyTorch's corners for the piecewise ones); the batch entry point gives the same bits
    /// for any chunk count (every activation kernel).
    @Test func activationsMatchFormulasAndChunks() {
        let count = 41
        let x = GemmTests.values(count, seed: 51).map { $0 * 6 }, dy = GemmTests.values(count, seed: 52)
        for kind in ActivationKernel.allCases {
            var single = [Float](repeating: .nan, count: count), split = single
            activationForward(kind, x, y: &single, chunks: 1, threads: 1)
            activationForward(kind, x, y: &split, chunks: 4, threads: 2)
            #expect(single.map(\.bitPattern) == split.map(\.bitPattern), "\(kind)")
            var dx1 = [Float](repeating: .nan, count: count), dx4 = dx1
            let saved = kind.derivativeReadsInput ? x : single
            activationBackward(kind, saved: saved, dy, dx: &dx1, chunks: 1, threads: 1)
            activationBackward(kind, saved: saved, dy, dx: &dx4, chunks: 4, threads: 2)
            #expect(dx1.map(\.bitPattern) == dx4.map(\.bitPattern), "\(kind)")
            for i in 0..<count {
                let (v, y) = (x[i], single[i])
                switch kind {
                case .relu:
                    #expect(y == max(v, 0) && dx1[i] == (y > 0 ? dy[i] : 0))
                case .sigmoid:
                    #expect(abs(Double(y) - 1 / (1 + Foundation.exp(-Double(v)))) < 1e-6)
                    #expect(dx1[i] == dy[i] * y * (1 - y))
                case .tanh:
                    #expect(abs(Double(y) - Foundation.tanh(Double(v))) < 1e-6)
                    #expect(dx1[i] == dy[i] * (1 - y * y))
                case .gelu, .geluTanh:
                    // Exact values: GeluKernelTests.
                    #expect(abs(Double(y) - GeluKernelTests.gelu(Double(v), tanh: kind == .geluTanh)) < 1e-5)
                case .relu6:
                    #expect(y == min(max(v, 0), 6) && dx1[i] == (v > 0 && v < 6 ? dy[i] : 0))
                case let .leakyRelu(slope):
                    #expect(y == (v > 0 ? v : v * slope) && dx1[i] == (v > 0 ? dy[i] : dy[i] * slope))
                case .hardsigmoid:
                    #expect(abs(Double(y) - min(max(Double(v) + 3, 0), 6) / 6) < 1e-7)
                    #expect(dx1[i] == (v > -3 && v < 3 ? dy[i] * (1 / 6 as Float) : 0))
                case .hardswish:
                    #expect(abs(Double(y) - Double(v) * min(max(Double(v) + 3, 0), 6) / 6) < 1e-6)
                    #expect(dx1[i] == (v < -3 ? 0 : v <= 3 ? dy[i] * (v / 3 + 0.5) : dy[i]))
                case .silu:
                    // x·σ(x) and σ(x)(1 + x(1 − σ(x))) in double precision.
                    let s = 1 / (1 + Foundation.exp(-Double(v)))
                    #expect(abs(Double(y) - Double(v) * s) < 1e-6 * max(1, abs(Double(v))))
                    #expect(abs(Double(dx1[i]) - Double(dy[i]) * s * (1 + Double(v) * (1 - s))) < 1e-5)
                }
            }
        }
        // Large |x|: the split by sign keeps exp's argument ≤ 0 (e^100 would overflow Float):
        // σ(−100) = e^−100/(1 + e^−100) ≈ 3.7e−44 (subnormal), σ(100) = 1/(1 + e^−100) rounds to 1.
        var y = [Float](repeating: .nan, count: 2)
        activationForward(.sigmoid, [-100, 100], y: &y, chunks: 1, threads: 1)
        #expect(y[0] > 0 && y[0] < 1e-30 && y[1] == 1)
    }

    /// Y = X·Wᵀ + b, dW += dYᵀ·X, db += Σ dY, dX = dY·W on small integers (exact), threads 1 and 2.
    @Test(arguments: [1, 2])
    func fullyConnectedMatchesLoops(threads: Int) {
        let (n, inputs, outputs) = (3, 5, 4)
        let x = ConvolutionTests.integers(n * inputs, seed: 61), w = ConvolutionTests.integers(outputs * inputs, seed: 62)
        let b = ConvolutionTests.integers(outputs, seed: 63), dy = ConvolutionTests.integers(n * outputs, seed: 64)
        var y = [Float](repeating: .nan, count: n * outputs), yNoBias = y
        fullyConnectedForward(x, weight: w, bias: b, batch: n, inputs: inputs, outputs: outputs, y: &y, threads: threads)
        fullyConnectedForward(x, weight: w, bias: nil, batch: n, inputs: inputs, outputs: outputs, y: &yNoBias, threads: threads)
        var gradW = [Float](repeating: 1, count: outputs * inputs), gradB = [Float](repeating: 1, count: outputs)
        fullyConnectedParameterGradients(dy, input: x, batch: n, inputs: inputs, outputs: outputs,
                                         weightGradient: &gradW, biasGradient: &gradB, threads: threads)
        var dx = [Float](repeating: .nan, count: n * inputs)
        fullyConnectedInputGradient(dy, weight: w, batch: n, inputs: inputs, outputs: outputs, dx: &dx, threads: threads)
        for r in 0..<n {
            for o in 0..<outputs {
                let dot = (0..<inputs).reduce(Float(0)) { $0 + x[r * inputs + $1] * w[o * inputs + $1] }
                #expect(y[r * outputs + o] == dot + b[o] && yNoBias[r * outputs + o] == dot)
            }
            for i in 0..<inputs {
                #expect(dx[r * inputs + i] == (0..<outputs).reduce(Float(0)) { $0 + dy[r * outputs + $1] * w[$1 * inputs + i] })
            }
        }
        for o in 0..<outputs {
            #expect(gradB[o] == 1 + (0..<n).reduce(Float(0)) { $0 + dy[$1 * outputs + o] })
            for i in 0..<inputs {
                #expect(gradW[o * inputs + i] == 1 + (0..<n).reduce(Float(0)) { $0 + dy[$1 * outputs + o] * x[$1 * inputs + i] })
            }
        }
        // Without a bias the (empty) bias gradient is left alone.
        var none: [Float] = []
        fullyConnectedParameterGradients(dy, input: x, batch: n, inputs: inputs, outputs: outputs,
                                         weightGradient: &gradW, biasGradient: &none, threads: threads)
        #expect(none.isEmpty)
    }

    /// The array SGD step equals the pointer step, then applies the mask; momentum 0 ignores
    /// an empty velocity.
    @Test(arguments: [Float(0.9), 0])
    func sgdUpdateMatchesPointerStepAndMask(momentum: Float) {
        let count = 19
        let gradient = GemmTests.values(count, seed: 71)
        var theta = GemmTests.values(count, seed: 72), velocity = momentum == 0 ? [] : GemmTests.values(count, seed: 73)
        var expectedTheta = theta, expectedVelocity = velocity.isEmpty ? [Float](repeating: 0, count: count) : velocity
        expectedTheta.withUnsafeMutableBufferPointer { t in
            expectedVelocity.withUnsafeMutableBufferPointer { v in
                sgdStep(theta: t.baseAddress!, gradient: gradient, velocity: momentum != 0 ? v.baseAddress : nil, count: count,
                        learningRate: 0.1, momentum: momentum, weightDecay: 0.01, nesterov: true)
            }
        }
        let mask = (0..<count).map { Float($0 % 4 == 0 ? 0 : 1) }
        sgdUpdate(&theta, gradient: gradient, velocity: &velocity, mask: mask, learningRate: 0.1, momentum: momentum,
                  weightDecay: 0.01, nesterov: true)
        #expect(theta.map(\.bitPattern) == zip(expectedTheta, mask).map { ($0 * $1).bitPattern })
        #expect(theta.enumerated().allSatisfy { $0.offset % 4 != 0 || $0.element == 0 })
        if momentum != 0 { #expect(velocity == expectedVelocity) } else { #expect(velocity.isEmpty) }
    }

    @Test func copyZeroAndMultiply() {
        var target = [Float](repeating: 9, count: 6)
        copyElements([1, 2, 3, 4, 5], from: 1, into: &target, at: 2, count: 3)
        #expect(target == [9, 9, 2, 3, 4, 9])
        copyElements([], from: 0, into: &target, at: 6, count: 0)
        setToZero(&target)
        #expect(target == [0, 0, 0, 0, 0, 0])
        // [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[19, 22], [43, 50]], plus 0.5·C.
        var c: [Float] = [2, 2, 2, 2]
        multiplyMatrices(transposeA: false, transposeB: false, m: 2, n: 2, k: 2, a: [1, 2, 3, 4], lda: 2,
                         b: [5, 6, 7, 8], ldb: 2, beta: 0.5, c: &c, ldc: 2, threads: 2)
        #expect(c == [20, 23, 44, 51])
    }
}
