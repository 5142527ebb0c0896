import Foundation
import Testing

@testable import ConvKitKernels

/// The GELU kernels (gelu.c) against the function computed in Double with Foundation's erf, exp and
/// tanh, on every engine this CPU runs; the engines agree bit for bit.
struct GeluKernelTests {
    /// GELU in Double: x·Φ(x), Φ(x) = ½(1 + erf(x/√2)), or the tanh form ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    static func gelu(_ x: Double, tanh useTanh: Bool) -> Double {
        if useTanh { return 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
        return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
    }

    /// GELU′ in Double: Φ(x) + x·φ(x), or the derivative of the tanh form.
    static func geluDerivative(_ x: Double, tanh useTanh: Bool) -> Double {
        if useTanh {
            let c = (2 / Double.pi).squareRoot()
            let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        }
        return 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) + x * Foundation.exp(-x * x / 2) / (2 * Double.pi).squareRoot()
    }

    /// Inputs from −12 to 12 (both tails, where erf saturates and e^(−x²/2) underflows) plus the
    /// awkward ones: ±0, tiny, large, infinities. 1003 values: 125 vectors of 8 and a tail of 3.
    static let inputs: [Float] = (0..<990).map { Float(-12 + 24 * Double($0) / 989) }
        + [0, -0, 1e-30, -1e-30, 1e-6, -1e-6, 0.5, -0.5, 30, -30, 100, -100, 3.5]

    /// |kernel − exact| ≤ 3e-7·max(1, |exact|) for y, and ≤ 5e-7·max(1, |exact|) for dx (dy = 1):
    /// the erf approximation is within 1.5e-7 absolute, the rest is float rounding. The tanh form's
    /// dx gets 1e-6 (about 8 float steps near 1): 1 − t² cancels as t → ±1, and its error, ~1e-7,
    /// is multiplied by ½x·√(2/π)(1 + 3κx²), which peaks near 4 around |x| ≈ 2.
    @Test(arguments: [false, true]) func forwardAndBackwardMatchDouble(tanh useTanh: Bool) {
        let x = Self.inputs, ones = [Float](repeating: 1, count: x.count)
        var reference: (y: [Float], dx: [Float])?
        for engine in GemmEngine.allCases where engine.isSupported {
            var y = [Float](repeating: .nan, count: x.count), dx = y
            geluForward(engine: engine, x, &y, count: x.count, tanhApproximation: useTanh)
            geluBackward(engine: engine, x, ones, &dx, count: x.count, tanhApproximation: useTanh)
            for i in x.indices {
                let exact = Self.gelu(Double(x[i]), tanh: useTanh), slope = Self.geluDerivative(Double(x[i]), tanh: useTanh)
                #expect(abs(Double(y[i]) - exact) <= 3e-7 * max(1, abs(exact)), "\(engine) y(\(x[i])) = \(y[i]), exact \(exact)")
                #expect(abs(Double(dx[i]) - slope) <= (useTanh ? 1e-6 : 5e-7) * max(1, abs(slope)), "\(engine) dx(\(x[i])) = \(dx[i]), exact \(slope)")
            }
            if let (y0, dx0) = reference {
                #expect(y.map(\.bitPattern) == y0.map(\.bitPattern), "\(engine) forward differs from the first engine")
                #expect(dx.map(\.bitPattern) == dx0.map(\.bitPattern), "\(engine) backward differs from the first engine")
            } else {
                reference = (y, dx)
            }
        }
    }

    /// Golden values: GELU(0) = 0; GELU(1) = Φ(1) = ½(1 + erf(1/√2)) = 0.841344746…; GELU(−1) =
    /// −(1 − Φ(1)) = −0.158655254…; GELU(x) = x for large x and 0 (−0 or tiny) for very negative x;
    /// NaN stays NaN; dy scales dx linearly (dx for dy = 2 is twice dx for dy = 1, exactly).
    @Test func goldenValuesAndSpecialInputs() {
        let x: [Float] = [0, 1, -1, 20, -20, .nan, .infinity]
        var y = [Float](repeating: 0, count: x.count)
        geluForward(x, &y, count: x.count)
        #expect(y[0] == 0)
        #expect(abs(y[1] - 0.841_344_746) < 2e-7 && abs(y[2] + 0.158_655_254) < 2e-7)
        #expect(y[3] == 20 && abs(y[4]) < 1e-30)
        #expect(y[5].isNaN && y[6] == .infinity)
        let ones = [Float](repeating: 1, count: 3), twos = [Float](repeating: 2, count: 3)
        var d1 = [Float](repeating: 0, count: 3), d2 = d1
        geluBackward(x, ones, &d1, count: 3)
        geluBackward(x, twos, &d2, count: 3)
        // GELU′(0) = Φ(0) = ½.
        #expect(d1[0] == 0.5)
        #expect(zip(d1, d2).allSatisfy { 2 * $0 == $1 })
    }
}
