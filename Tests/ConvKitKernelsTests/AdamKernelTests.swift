import Testing
@testable import ConvKitKernels

/// The SIMD Adam step against the scalar loop of the optimizer's definition, bit for bit, on
/// lengths that exercise the vector body, the scalar tail and both (1, 7, 8, 9, 37).
@Suite struct AdamKernelTests {
    /// Constants of step t with η = 0.01, β1 = 0.9, β2 = 0.999 (PyTorch's defaults), computed
    /// as the optimizer does: s = η/(1−β1ᵗ), r = √(1−β2ᵗ), both in Double and rounded to Float.
    static func constants(step t: Double) -> (stepSize: Float, rootCorrection2: Float) {
        var (p1, p2) = (1.0, 1.0)
        for _ in 0..<Int(t) { p1 *= 0.9; p2 *= 0.999 }
        return (Float(0.01 / (1 - p1)), Float((1 - p2).squareRoot()))
    }

    /// The reference: one element at a time, the operations written out as in the optimizer's
    /// former scalar loop (θ −= s·m/(√v/r + ε) with (1 − β)·g·g evaluated left to right).
    static func scalarStep(theta: inout [Float], gradient: [Float], m: inout [Float], v: inout [Float], mask: [Float]?,
                           stepSize: Float, beta1: Float, beta2: Float, epsilon: Float, rootCorrection2: Float, weightDecay: Float) {
        for i in 0..<theta.count {
            let g = gradient[i] + weightDecay * theta[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            theta[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + epsilon)
        }
        if let mask { for i in 0..<theta.count { theta[i] *= mask[i] } }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let count: Int
        let weightDecay: Float
        let masked: Bool
        var testDescription: String { "\(count) values, λ = \(weightDecay)\(masked ? ", masked" : "")" }
    }

    static let cases: [Case] = [1, 7, 8, 9, 37].flatMap { n in
        [Case(count: n, weightDecay: 0, masked: false), Case(count: n, weightDecay: 0.01, masked: true)]
    }

    /// Three steps from zero moments (so the bias corrections change every step), through the
    /// pointer kernel and through the array entry point with its mask.
    @Test(arguments: cases)
    func adamStepMatchesScalarLoop(testCase: Case) {
        let n = testCase.count
        let mask: [Float]? = testCase.masked ? (0..<n).map { Float($0 % 3 == 1 ? 0 : 1) } : nil
        var expected = (theta: GemmTests.values(n, seed: 81), m: [Float](repeating: 0, count: n), v: [Float](repeating: 0, count: n))
        var pointer = expected, array = expected
        for t in 1...3 {
            // A zero gradient among them (m and v decay only) and the sign changing step to step.
            var gradient = GemmTests.values(n, seed: 90 + UInt64(t)).map { $0 * Float(t) * 0.5 }
            if n > 1 { gradient[n / 2] = 0 }
            let (s, r) = Self.constants(step: Double(t))
            Self.scalarStep(theta: &expected.theta, gradient: gradient, m: &expected.m, v: &expected.v, mask: mask, stepSize: s,
                            beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rootCorrection2: r, weightDecay: testCase.weightDecay)
            pointer.theta.withUnsafeMutableBufferPointer { th in
                pointer.m.withUnsafeMutableBufferPointer { m in
                    pointer.v.withUnsafeMutableBufferPointer { v in
                        adamStep(theta: th.baseAddress!, gradient: gradient, firstMoment: m.baseAddress!, secondMoment: v.baseAddress!, count: n,
                                 stepSize: s, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rootCorrection2: r, weightDecay: testCase.weightDecay)
                    }
                }
            }
            if let mask { for i in 0..<n { pointer.theta[i] *= mask[i] } }
            adamUpdate(&array.theta, gradient: gradient, firstMoment: &array.m, secondMoment: &array.v, mask: mask, stepSize: s,
                       beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rootCorrection2: r, weightDecay: testCase.weightDecay)
            for got in [pointer, array] {
                #expect(got.theta.map(\.bitPattern) == expected.theta.map(\.bitPattern), "step \(t)")
                #expect(got.m.map(\.bitPattern) == expected.m.map(\.bitPattern), "step \(t)")
                #expect(got.v.map(\.bitPattern) == expected.v.map(\.bitPattern), "step \(t)")
            }
        }
        // The parameters moved (a comparison of unchanged buffers would prove nothing), and the
        // mask kept its zeros.
        #expect(expected.theta != GemmTests.values(n, seed: 81))
        if let mask { #expect(zip(array.theta, mask).allSatisfy { $1 != 0 || $0 == 0 }) }
    }

    /// An empty parameter is left alone.
    @Test func emptyParameter() {
        var (theta, m, v): ([Float], [Float], [Float]) = ([], [], [])
        adamUpdate(&theta, gradient: [], firstMoment: &m, secondMoment: &v, mask: nil, stepSize: 0.1, beta1: 0.9, beta2: 0.999,
                   epsilon: 1e-8, rootCorrection2: 0.03, weightDecay: 0)
        #expect(theta.isEmpty && m.isEmpty && v.isEmpty)
    }
}
