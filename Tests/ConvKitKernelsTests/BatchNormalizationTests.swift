import Foundation
import Testing
@testable import ConvKitKernels

/// The batch-norm kernels against the textbook formulas written here.
@Suite struct BatchNormalizationTests {
    // (N, C, S) = (2, 3, 4): 8 values per channel. Channel c holds integers whose sum is a
    // multiple of 8, so the mean is an integer and every deviation, square and sum is exact in
    // Double whatever the order: the two-pass statistics must match exactly.
    static let (n, c, s) = (2, 3, 4)
    /// The (N, C, S) batch, built per channel.
    static func values() -> [Float] {
        // Per channel, 8 values (image 0 then image 1), each list summing to a multiple of 8:
        // c0: 1+2+3+4+5+6+7+4 = 32 → mean 4; c1: −3+5+0+2+9+1+−6+0 = 8 → mean 1;
        // c2: 10+10+10+10+10+10+10+10 = 80 → mean 10 (variance 0).
        let channels: [[Float]] = [[1, 2, 3, 4, 5, 6, 7, 4], [-3, 5, 0, 2, 9, 1, -6, 0], [10, 10, 10, 10, 10, 10, 10, 10]]
        var x = [Float](repeating: 0, count: n * c * s)
        for image in 0..<n { for ch in 0..<c { for i in 0..<s { x[(image * c + ch) * s + i] = channels[ch][image * s + i] } } }
        return x
    }

    @Test(arguments: [1, 2, 3])
    func trainingForwardMatchesTwoPassFormula(chunks: Int) throws {
        let (n, c, s) = (Self.n, Self.c, Self.s)
        let x = Self.values()
        let gamma: [Float] = [2, -1, 0.5], beta: [Float] = [0.25, 1, -3]
        var mean = [Double](repeating: .nan, count: c), variance = mean
        var inv = [Float](repeating: .nan, count: c), normalized = [Float](repeating: .nan, count: x.count), y = normalized
        batchNormForward(x, batch: n, channels: c, spatial: s, training: true, epsilon: 1e-5, gamma: gamma, beta: beta,
                         mean: &mean, variance: &variance, inverseStd: &inv, normalized: &normalized, y: &y,
                         chunks: chunks, threads: 2)
        // Hand-worked: c0 mean 4, deviations −3 −2 −1 0 1 2 3 0 → Σd² = 28 → variance 3.5;
        // c1 mean 1, deviations −4 4 −1 1 8 0 −7 −1 → Σd² = 148 → 18.5; c2 mean 10, variance 0.
        #expect(mean == [4, 1, 10])
        #expect(variance == [3.5, 18.5, 0])
        for ch in 0..<c {
            let values = (0..<n).flatMap { image in (0..<s).map { Double(x[(image * c + ch) * s + $0]) } }
            let mu = values.reduce(0, +) / Double(values.count)
            let sigma2 = values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(values.count)
            #expect(mean[ch] == mu && variance[ch] == sigma2)
            let invStd = Float(1 / (sigma2 + 1e-5).squareRoot())
            #expect(inv[ch] == invStd)
            for image in 0..<n {
                for i in 0..<s {
                    let index = (image * c + ch) * s + i
                    let xhat = (x[index] - Float(mu)) * invStd
                    #expect(normalized[index] == xhat)
                    #expect(y[index] == gamma[ch] * xhat + beta[ch])
                }
            }
        }
    }

    /// Evaluation reads the given statistics; without γ, β the output is x̂ itself.
    @Test func evaluationUsesGivenStatistics() {
        let (n, c, s) = (Self.n, Self.c, Self.s)
        let x = Self.values()
        var mean: [Double] = [1, 0, -2], variance: [Double] = [4, 0.25, 1]
        var inv = [Float](repeating: 0, count: c), normalized = [Float](repeating: 0, count: x.count), y = normalized
        batchNormForward(x, batch: n, channels: c, spatial: s, training: false, epsilon: 0, gamma: nil, beta: nil,
                         mean: &mean, variance: &variance, inverseStd: &inv, normalized: &normalized, y: &y, chunks: 1, threads: 1)
        #expect(mean == [1, 0, -2] && variance == [4, 0.25, 1])
        // invStd = 1/√4 = 0.5, 1/√0.25 = 2, 1/√1 = 1 (exact).
        #expect(inv == [0.5, 2, 1])
        // x[0] (image 0, c0) = 1 → (1 − 1)·0.5 = 0; x[4] (c1) = −3 → −6; x[8] (c2) = 10 → 12.
        #expect(y[0] == 0 && y[4] == -6 && y[8] == 12)
        #expect(y == normalized)
    }

    /// Training backward against dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)), and the sums.
    @Test(arguments: [1, 3])
    func trainingBackwardMatchesFormula(chunks: Int) {
        let (n, c, s) = (Self.n, Self.c, Self.s)
        let x = Self.values()
        let gamma: [Float] = [2, -1, 0.5]
        var mean = [Double](repeating: 0, count: c), variance = mean
        var inv = [Float](repeating: 0, count: c), normalized = [Float](repeating: 0, count: x.count), y = normalized
        batchNormForward(x, batch: n, channels: c, spatial: s, training: true, epsilon: 1e-5, gamma: gamma, beta: nil,
                         mean: &mean, variance: &variance, inverseStd: &inv, normalized: &normalized, y: &y, chunks: 1, threads: 1)
        let dy = GemmTests.values(x.count, seed: 11)
        var sumDy = [Double](repeating: .nan, count: c), sumDyXhat = sumDy, dx = [Float](repeating: .nan, count: x.count)
        batchNormBackward(dy, normalized: normalized, inverseStd: inv, gamma: gamma, batch: n, channels: c, spatial: s,
                          batchStatistics: true, sumDy: &sumDy, sumDyXhat: &sumDyXhat, dx: &dx, chunks: chunks, threads: 2)
        for ch in 0..<c {
            let indices = (0..<n).flatMap { image in (0..<s).map { (image * c + ch) * s + $0 } }
            let sdy = indices.reduce(0.0) { $0 + Double(dy[$1]) }
            let sdyx = indices.reduce(0.0) { $0 + Double(dy[$1]) * Double(normalized[$1]) }
            #expect(abs(sumDy[ch] - sdy) < 1e-12 && abs(sumDyXhat[ch] - sdyx) < 1e-9)
            let m = Double(indices.count)
            for i in indices {
                let expected = Double(gamma[ch] * inv[ch]) * (Double(dy[i]) - sdy / m - Double(normalized[i]) * sdyx / m)
                #expect(abs(Double(dx[i]) - expected) < 1e-4 * max(1, abs(expected)), "channel \(ch) index \(i)")
            }
        }
    }

    /// With running statistics, dx = γ·invStd·dy exactly.
    @Test func evaluationBackwardScales() {
        let (n, c, s) = (Self.n, Self.c, Self.s)
        let dy = GemmTests.values(n * c * s, seed: 12), normalized = GemmTests.values(n * c * s, seed: 13)
        let inv: [Float] = [0.5, 2, 1], gamma: [Float] = [3, 1, -1]
        var sumDy = [Double](repeating: 0, count: c), sumDyXhat = sumDy, dx = [Float](repeating: .nan, count: dy.count)
        batchNormBackward(dy, normalized: normalized, inverseStd: inv, gamma: gamma, batch: n, channels: c, spatial: s,
                          batchStatistics: false, sumDy: &sumDy, sumDyXhat: &sumDyXhat, dx: &dx, chunks: 2, threads: 2)
        for i in dy.indices {
            let ch = (i / s) % c
            #expect(dx[i] == gamma[ch] * inv[ch] * dy[i])
        }
    }
}
