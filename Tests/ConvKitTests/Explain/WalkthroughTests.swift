import Foundation
import Testing
@testable import ConvKit

/// Batch normalization and momentum worked out by hand, against ConvKit's runtime and optimizer.
@Suite struct WalkthroughTests {
    static let values = "12,14,14,12; 0,10,10,0; -5,5,5,-5"

    /// Feature 0: μ = 13, σ² = (1+1+1+1)/4 = 1, x̂ = ±1/√(1 + 1e-5) = ±0.999995.
    /// Feature 1: μ = 5, σ² = 25, x̂ = ±5/√(25 + 1e-5) ≈ ±0.9999998. Feature 2: μ = 0, σ² = 25, likewise.
    @Test func normalisedValuesAreMinusOneAndOne() throws {
        let walk = try BatchNormWalkthrough(values: try BatchNormWalkthrough.parseValues(Self.values))
        #expect(walk.features.map(\.mean) == [13, 5, 0])
        #expect(walk.features.map(\.variance) == [1, 25, 25])
        for feature in walk.features {
            #expect(ExplainArguments.maxAbsDifference(feature.normalized, [-1.0, 1, 1, -1]) < 1e-4)
        }
        // With eps the first feature is visibly not exactly ±1: 1 − 1/√1.00001 ≈ 5·10⁻⁶.
        #expect(abs(walk.features[0].normalized[1] - 0.999995) < 1e-6)
        #expect(walk.maxAbsDifference < 1e-5)
    }

    /// y = 1·x̂ + β: (−1, 1, 1, −1), (−11, −9, −9, −11), (9, 11, 11, 9).
    @Test func gammaAndBetaShiftTheOutputs() throws {
        let walk = try BatchNormWalkthrough(values: try BatchNormWalkthrough.parseValues(Self.values), gamma: [1, 1, 1], beta: [0, -10, 10])
        let expected: [[Double]] = [[-1, 1, 1, -1], [-11, -9, -9, -11], [9, 11, 11, 9]]
        for (feature, target) in zip(walk.features, expected) {
            #expect(ExplainArguments.maxAbsDifference(feature.output, target) < 1e-4)
        }
        for (runtime, target) in zip(walk.runtimeOutput, expected) {
            #expect(ExplainArguments.maxAbsDifference(runtime, target) < 1e-4)
        }
    }

    /// Running statistics after one batch (start 0 and 1, momentum 0.1, unbiased variance σ²·4/3):
    /// feature 0: mean 0.1·13 = 1.3, var 0.9 + 0.1·4/3 = 1.03333…; evaluation of x = 12:
    /// (12 − 1.3)/√(1.03333… + 1e-5) = 10.7/1.016526… = 10.5260…
    @Test func runningStatisticsAndEvaluation() throws {
        let walk = try BatchNormWalkthrough(values: try BatchNormWalkthrough.parseValues(Self.values))
        #expect(abs(walk.features[0].runningMean - 1.3) < 1e-12)
        #expect(abs(walk.features[0].runningVariance - (0.9 + 0.1 * 4.0 / 3.0)) < 1e-12)
        #expect(abs(walk.features[0].evaluationOutput[0] - 10.7 / (0.9 + 0.4 / 3 + 1e-5).squareRoot()) < 1e-12)
        #expect(abs(Double(walk.runtimeRunningMean[0]) - 1.3) < 1e-6)
        // After many identical batches the running statistics converge to the batch's and the
        // evaluation output approaches the training output (up to the unbiased variance: ×√(3/4)).
        let old = try BatchNormWalkthrough(values: try BatchNormWalkthrough.parseValues(Self.values), batches: 200)
        #expect(abs(old.features[1].runningMean - 5) < 1e-6)
        #expect(abs(old.features[1].evaluationOutput[1] - (0.75).squareRoot()) < 1e-4)
        #expect(old.maxAbsDifference < 1e-4)
    }

    @Test func batchNormErrors() throws {
        let ragged = expectConvKitError { _ = try BatchNormReport.run(values: "1,2,3; 4,5") }
        #expect(ragged?.description == "invalid value for --values: feature 1 has 2 values, feature 0 has 3: every feature needs one value per example of the mini-batch")
        let gamma = expectConvKitError { _ = try BatchNormReport.run(values: "1,2; 3,4", gamma: "1") }
        #expect(gamma?.description == "invalid value for --gamma: found 1 value for 2 features (one γ per feature)")
        let single = expectConvKitError { _ = try BatchNormReport.run(values: "1; 2") }
        #expect(single?.description.contains("no variance") == true)
        let number = expectConvKitError { _ = try BatchNormReport.run(values: "1,x") }
        #expect(number?.description.contains("'x' is not a number (feature 0 value 1)") == true)
    }

    @Test func batchNormText() throws {
        let text = try BatchNormReport.run(values: Self.values, gamma: "1,1,1", beta: "0,-10,10").text
        #expect(text.contains("mean        μ = (12 + 14 + 14 + 12)/4 = 13"))
        #expect(text.contains("output      y = 1·x̂ + (-10) = -11, -9, -9, -11"))
        #expect(text.contains("output      y = 1·x̂ + 10 = 9, 11, 11, 9"))
        #expect(text.contains("running     mean = 0.9·0 + 0.1·13 = 1.3"))
    }

    /// f(θ) = ½(θ₁² + 10θ₂²), θ₀ = (1, 1), α = 0.05, β = 0.9:
    /// k=1: θ = (1 − 0.05·1, 1 − 0.05·10) = (0.95, 0.5);
    /// k=2: θ₁ = 0.95 − 0.0475 + 0.9·(−0.05) = 0.8575, θ₂ = 0.5 − 0.25 + 0.9·(−0.5) = −0.2.
    @Test func momentumFormsAgree() throws {
        let walk = try MomentumWalkthrough(steps: 50)
        #expect(walk.steps.count == 51)
        #expect(ExplainArguments.maxAbsDifference(walk.steps[1].heavyBall, [0.95, 0.5]) < 1e-12)
        #expect(ExplainArguments.maxAbsDifference(walk.steps[2].heavyBall, [0.8575, -0.2]) < 1e-12)
        #expect(walk.maxDifference < 1e-5)
        #expect(walk.maxDifference > 0, "float32 against Double differ by rounding")
        // The iteration converges: both modes are underdamped ((1 − √β)² < α·aᵢ < (1 + √β)² for
        // α·aᵢ = 0.05 and 0.5), so
        // |θ| contracts by √β ≈ 0.949 per step: 0.949⁵⁰ ≈ 0.07, f by its square ≈ 0.005 (times
        // oscillation) — far below f(θ₀) = 5.5.
        #expect(walk.steps[50].loss < 0.1)
    }

    @Test func momentumErrors() throws {
        let beta = expectConvKitError { _ = try MomentumReport.run(momentum: 1) }
        #expect(beta?.description == "invalid value for --momentum: must be in [0, 1), found 1.0")
        let start = expectConvKitError { _ = try MomentumReport.run(curvature: "1,10", start: "1") }
        #expect(start?.description.contains("found 1 values for 2 curvatures") == true)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try MomentumReport.run(steps: 3, format: .json).text.utf8)) as? [String: Any])
        #expect((json["steps"] as? [[String: Any]])?.count == 4)
        #expect((json["max_difference"] as? Double ?? 1) < 1e-5)
    }
}
