import Foundation
import Testing
@testable import ConvKit

@Suite struct LossAndOptimizerTests {
    @Test func crossEntropyGoldenValues() throws {
        // Logits (0, 0) with label 0: −log(e⁰/(e⁰ + e⁰)) = log 2 ≈ 0.693147; gradient (½ − 1, ½)/1.
        // Logits (1000, 0), label 1: log-sum-exp = 1000 + log(1 + e^−1000) ≈ 1000 → loss 1000, no overflow.
        let logits = try Tensor(shape: [2, 2], values: [0, 0, 1000, 0])
        let (loss, gradient, correct) = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1])
        #expect(abs(loss - (log(2.0) + 1000) / 2) < 1e-9)
        // Row 1: p = (1, e^−1000 ≈ 0) → ((1 − 0)/2, (0 − 1)/2).
        #expect(gradient.storage == [-0.25, 0.25, 0.5, -0.5])
        // argmax of (0, 0) is class 0 (first maximum) → correct; (1000, 0) with label 1 → wrong.
        #expect(correct == 1)
    }

    @Test func crossEntropyGradientMatchesFiniteDifferences() throws {
        var random = RandomGenerator(seed: 2)
        var logits = Tensor(shape: [3, 4])
        for i in 0..<logits.count { logits.storage[i] = random.nextNormal() * 3 }
        let labels = [2, 0, 3]
        let (_, gradient, _) = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus.storage[i] += 1e-2
            minus.storage[i] -= 1e-2
            let numeric = (try SoftmaxCrossEntropy.evaluate(logits: plus, labels: labels).loss
                           - SoftmaxCrossEntropy.evaluate(logits: minus, labels: labels).loss) / 2e-2
            #expect(abs(numeric - Double(gradient.storage[i])) < 1e-4)
        }
    }

    /// On f(θ) = ½·θᵀAθ (A = diag(1, 10)), the velocity form (v ← μv + g; θ ← θ − αv) and the
    /// heavy-ball form θ_{k+1} = θ_k − α·g_k + μ·(θ_k − θ_{k−1}) give the same trajectory:
    /// θ_{k+1} − θ_k = −α·v_k = −α(μ·v_{k−1} + g_k) = μ·(θ_k − θ_{k−1}) − α·g_k.
    @Test func momentumFormsAgree() throws {
        let curvature: [Float] = [1, 10]
        let (alpha, mu) = (0.05, 0.9)
        let p = Parameter(name: "theta", value: try Tensor(shape: [2], values: [1, 1]))
        let sgd = SGD(learningRate: alpha, momentum: mu)
        var heavy: [Double] = [1, 1], previous: [Double] = [1, 1]
        for _ in 0..<50 {
            p.gradient.storage = zip(p.value.storage, curvature).map { $0 * $1 }
            sgd.step([p])
            let next = (0..<2).map { i in heavy[i] - alpha * Double(curvature[i]) * heavy[i] + mu * (heavy[i] - previous[i]) }
            previous = heavy
            heavy = next
            for i in 0..<2 { #expect(abs(Double(p.value.storage[i]) - heavy[i]) < 1e-5) }
        }
    }

    @Test func adamFirstStepMovesByLearningRate() throws {
        // Step 1: m̂ = g, v̂ = g², so θ ← θ − η·g/(|g| + ε) ≈ θ − η·sign(g).
        let p = Parameter(name: "w", value: try Tensor(shape: [2], values: [1, -1]))
        p.gradient.storage = [0.3, -7]
        Adam(learningRate: 0.1).step([p])
        #expect(abs(p.value.storage[0] - 0.9) < 1e-6)
        #expect(abs(p.value.storage[1] - (-0.9)) < 1e-6)
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.step(every: 5, factor: 0.1).rate(base: 1, epoch: 12) == 1 * 0.1 * 0.1)
        // cos(π·5/10) = 0 → (1 + 0)/2 = ½ of the way between 0 and 0.2.
        #expect(abs(LearningRateSchedule.cosine(epochs: 10, minimum: 0).rate(base: 0.2, epoch: 5) - 0.1) < 1e-12)
    }

    @Test func batchNormTrainingAndEvaluation() throws {
        // One feature over 4 examples: 12, 14, 14, 12 → μ = 13, σ² = 1 → x̂ = (−1, 1, 1, −1)·1/√(1 + 1e-5).
        let layer = BatchNorm("bn", .one)
        var random = RandomGenerator(seed: 0)
        let runtime = try layer.makeRuntime(input: [1], path: "bn", random: &random)
        let x = try Tensor(shape: [4, 1], values: [12, 14, 14, 12])
        var training = RunContext(training: true)
        let y = try runtime.forward(x, &training)
        let expected = Float(1 / (1 + 1e-5).squareRoot())
        for (value, sign) in zip(y.storage, [-1, 1, 1, -1] as [Float]) { #expect(abs(value - sign * expected) < 1e-6) }
        // Running statistics after one batch: mean 0.9·0 + 0.1·13 = 1.3; var 0.9·1 + 0.1·(4/3) = 1.0333…
        let params = Dictionary(uniqueKeysWithValues: runtime.parameters.map { ($0.name, $0.value.storage) })
        #expect(abs((params["bn.running_mean"]?[0] ?? 0) - 1.3) < 1e-6)
        let expectedVariance: Float = 0.9 + 0.1 * 4 / 3
        #expect(abs((params["bn.running_var"]?[0] ?? 0) - expectedVariance) < 1e-6)
        #expect(params["bn.num_batches_tracked"] == [1])
        // Evaluation uses them: (12 − 1.3)/√(1.03333 + 1e-5).
        var evaluation = RunContext(training: false)
        let e = try runtime.forward(x, &evaluation)
        let runningVariance: Double = 0.9 + 0.1 * 4.0 / 3
        let evaluated: Double = (12 - 1.3) / (runningVariance + 1e-5).squareRoot()
        #expect(abs(Double(e.storage[0]) - evaluated) < 1e-4)
    }
}
