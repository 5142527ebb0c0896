import Foundation
import Testing
@testable import ConvKit

/// Prediction: hand-computed and scikit-learn golden values, the fast forms against the direct
/// formulas, the NLL split against the direct sum, and numerical safety with many features.
@Suite struct GaussianPredictionTests {
    /// Two classes, two features, shared variances, no smoothing.
    ///   class a: (0, 1), (2, 3)          → μ_a = (1, 2), deviations (−1, −1), (1, 1)
    ///   class b: (4, 1), (6, 1), (5, 4)  → μ_b = (5, 2), deviations (−1, −1), (1, −1), (0, 2)
    ///   α_a = 2/5 = 0.4, α_b = 3/5 = 0.6
    ///   σ_1² = (1 + 1 + 1 + 1 + 0)/5 = 0.8,  σ_2² = (1 + 1 + 1 + 1 + 4)/5 = 1.6
    @Test func handComputedTwoClassExample() throws {
        let rows: [[Double]] = [[0, 1], [2, 3], [4, 1], [6, 1], [5, 4]]
        let model = try GaussianClassifier.fit(FeatureMatrix(rows: rows), labels: [0, 0, 1, 1, 1], classes: ["a", "b"], varSmoothing: 0)
        #expect(model.priors == [0.4, 0.6])
        #expect(model.means == [[1, 2], [5, 2]])
        guard case let .shared(variances) = model.covariance else { Issue.record("not shared"); return }
        #expect(close(variances, [0.8, 1.6], 1e-15))

        let queries = try FeatureMatrix(rows: [[3, 2], [2, 3]])
        let p = try model.predictProbabilities(queries)
        // x = (3, 2) is as far from μ_a as from μ_b: ½·(3 − 1)²/0.8 = ½·(3 − 5)²/0.8 = 2.5, so the
        // posteriors are the priors: (0.4, 0.6).
        #expect(close(p[0], [0.4, 0.6], 1e-14))
        // x = (2, 3): ½[(2−1)²/0.8 + (3−2)²/1.6] = ½(1.25 + 0.625) = 0.9375 for a,
        //             ½[(2−5)²/0.8 + (3−2)²/1.6] = ½(11.25 + 0.625) = 5.9375 for b.
        // log-odds a:b = log(0.4/0.6) + 5.9375 − 0.9375 = 5 − log 1.5 = 4.594534891891…
        // p(a|x) = 1/(1 + e^(−5)·1.5) = 1/(1 + 0.010106920498628…) = 0.98999420725318…
        #expect(close(p[1][0], 0.9899942072531897, 1e-14))
        #expect(close(p[1][1], 0.01000579274681035, 1e-12))
        #expect(try model.predict(queries) == [1, 0])   // (3, 2): b by the larger prior

        // log p(x, a) at (2, 3) = log 0.4 − ½[log(2π·0.8) + log(2π·1.6)] − 0.9375
        //                       = −0.916291 − ½(1.614645 + 2.307792) − 0.9375 = −3.815097837249…
        let joint = try model.jointLogLikelihoods(queries)
        #expect(close(joint[1][0], -3.8150978372492634, 1e-14))
    }

    /// Per-class mode is scikit-learn's GaussianNB (var_smoothing 1e-9). Table (class: rows):
    ///   0: (1, 2), (2, 1), (3, 3)   θ_0 = (2, 2),    var_0 = (2/3, 2/3)
    ///   1: (6, 5), (7, 8), (8, 6)   θ_1 = (7, 19/3), var_1 = (2/3, (16/9 + 25/9 + 1/9)/3 = 14/9)
    ///   ε = 1e-9 · max(Var x1 = 41.5/6, Var x2 = 34.8333/6) = 6.9166…e-9 added to every variance.
    ///   jll_k(x) = log ½ − ½ Σ_i log(2π var_ki) − ½ Σ_i (x_i − θ_ki)²/var_ki; at x = (4, 4):
    ///   jll_0 = −0.693147 − log(2π·2/3) − ½(4·1.5 + 4·1.5) = −0.693147 − 1.432411 − 6 = −8.125559
    ///   jll_1 = −0.693147 − ½(1.432411 + 2.279709) − ½(9·1.5 + (49/9)·(9/14)) = −0.693147 − 1.856060 − 8.5 = −11.049208
    ///   p_0 = 1/(1 + e^(jll_1 − jll_0)) = 1/(1 + e^(−2.923649)) = 0.949003
    /// Expected values: sklearn 1.9.1 `GaussianNB().fit(X, y).predict_proba` / `predict_joint_log_proba`.
    @Test func perClassMatchesGaussianNB() throws {
        let rows: [[Double]] = [[1, 2], [2, 1], [3, 3], [6, 5], [7, 8], [8, 6]]
        let model = try GaussianClassifier.fit(FeatureMatrix(rows: rows), labels: [0, 0, 0, 1, 1, 1], classes: ["0", "1"], mode: .perClass)
        guard case let .perClass(variances) = model.covariance else { Issue.record("not per-class"); return }
        #expect(close(variances, [[0.6666666735833333, 0.6666666735833333], [0.6666666735833333, 1.555555562472222]], 1e-15))
        let queries = try FeatureMatrix(rows: [[4, 4], [5, 3]])
        let p = try model.predictProbabilities(queries)
        #expect(close(p[0], [0.9490031819361328, 0.05099681806386648], 1e-13))
        #expect(close(p[1], [0.3763845691833901, 0.6236154308166095], 1e-13))
        let joint = try model.jointLogLikelihoods(queries)
        #expect(close(joint[0], [-8.125559086986128, -11.049207998652943], 1e-14))
        #expect(close(joint[1], [-9.625559071423627, -9.120636600888913], 1e-14))
    }

    /// log p(x, k) by the textbook formula, from the model's parameters only.
    static func directJointLogLikelihood(_ model: GaussianClassifier, _ x: [Double], _ k: Int) -> Double {
        let D = x.count, log2pi = log(2 * Double.pi)
        let d = (0..<D).map { x[$0] - model.means[k][$0] }
        func diagonal(_ v: [Double]) -> Double {
            var sum = 0.0
            for i in 0..<D { sum += log2pi + log(v[i]) + d[i] * d[i] / v[i] }
            return log(model.priors[k]) - 0.5 * sum
        }
        switch model.covariance {
        case let .shared(v):
            return diagonal(v)
        case let .perClass(v):
            return diagonal(v[k])
        case let .fullShared(sigma):
            // Gauss–Jordan: Σ⁻¹d and det Σ, independent of the Cholesky path.
            var a = sigma.enumerated().map { $0.element + [d[$0.offset]] }
            var logDet = 0.0
            for c in 0..<D {
                let pivot = (c..<D).max { abs(a[$0][c]) < abs(a[$1][c]) }!
                a.swapAt(c, pivot)
                logDet += log(abs(a[c][c]))
                for r in 0..<D where r != c {
                    let f = a[r][c] / a[c][c]
                    for j in c...D { a[r][j] -= f * a[c][j] }
                }
            }
            let solved = (0..<D).map { a[$0][D] / a[$0][$0] }
            let form = (0..<D).reduce(0) { $0 + d[$1] * solved[$1] }
            return log(model.priors[k]) - 0.5 * (Double(D) * log2pi + logDet + form)
        }
    }

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func fastFormsMatchTheDirectFormula(mode: GaussianClassifier.VarianceMode) throws {
        let table = RandomTable(perClass: [30, 20, 25], features: 6, seed: 5)
        let model = try GaussianClassifier.fit(table.matrix, labels: table.labels, classes: table.classes, mode: mode)
        let queries = RandomTable(perClass: [4, 4, 4], features: 6, seed: 9).rows
        let joint = try model.jointLogLikelihoods(FeatureMatrix(rows: queries))
        for (n, x) in queries.enumerated() {
            for k in 0..<3 { #expect(close(joint[n][k], Self.directJointLogLikelihood(model, x, k), 1e-10), "row \(n) class \(k)") }
        }
        // Posteriors: each row sums to 1, and log-probabilities are the logs of the probabilities.
        let probabilities = try model.predictProbabilities(FeatureMatrix(rows: queries))
        let logProbabilities = try model.predictLogProbabilities(FeatureMatrix(rows: queries))
        for (p, lp) in zip(probabilities, logProbabilities) {
            #expect(close(p.reduce(0, +), 1, 1e-14))
            #expect(close(p, lp.map { exp($0) }, 1e-15))
        }
    }

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func nllSplitEqualsDirectSum(mode: GaussianClassifier.VarianceMode) throws {
        let table = RandomTable(perClass: [30, 20, 25], features: 6, seed: 5)
        let model = try GaussianClassifier.fit(table.matrix, labels: table.labels, classes: table.classes, mode: mode)
        let test = RandomTable(perClass: [7, 5, 9], features: 6, seed: 21)
        let direct = try model.negativeLogLikelihood(test.matrix, labels: test.labels)
        let terms = try model.negativeLogLikelihoodTerms(test.matrix, labels: test.labels)
        #expect(close(terms.total, direct, 1e-12), "split \(terms.total) vs direct \(direct)")
        // The textbook sum once more, row by row.
        let textbook = (0..<test.rows.count).reduce(0.0) { $0 - Self.directJointLogLikelihood(model, test.rows[$1], test.labels[$1]) }
        #expect(close(direct, textbook, 1e-10))
        // (N·D/2)·log 2π with N = 21, D = 6.
        #expect(close(terms.normalisation, 21 * 6 / 2 * log(2 * Double.pi)))
    }

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func trainingMahalanobisTermIsHalfND(mode: GaussianClassifier.VarianceMode) throws {
        // On the training data without smoothing, the ML variances make Σ_n (x_n − μ)ᵀΣ⁻¹(x_n − μ) = N·D
        // (e.g. shared: Σ_i Σ_n d_ni²/σ_i² = Σ_i N·σ_i²/σ_i² = N·D), so the term is N·D/2 = 75·6/2 = 225.
        let table = RandomTable(perClass: [30, 20, 25], features: 6, seed: 5)
        let model = try GaussianClassifier.fit(table.matrix, labels: table.labels, classes: table.classes, mode: mode, varSmoothing: 0)
        let terms = try model.negativeLogLikelihoodTerms(table.matrix, labels: table.labels)
        #expect(close(terms.mahalanobis, 225, 1e-11))
    }

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func manyPixelFeaturesNeitherUnderflowNorNaN(mode: GaussianClassifier.VarianceMode) throws {
        // 3,072 byte features: each class density is around e^(−10⁴), far below the smallest Float64,
        // so posteriors must come from log-sum-exp. (Full-shared: 300 features, e^(−10³), to keep the
        // debug-build Cholesky of the tests fast.)
        let D = mode == .fullShared ? 300 : 3072
        var random = RandomGenerator(seed: 8)
        let labels = (0..<40).map { $0 % 3 }
        let pixels = labels.flatMap { k in (0..<D).map { _ in UInt8(clamping: 60 * k + random.nextInt(below: 120)) } }
        let dataset = try ImageDataset(name: "noise", images: pixels, labels: labels.map(UInt8.init), imageShape: [D], classNames: ["a", "b", "c"])
        let model = try GaussianClassifier.fit(dataset, mode: mode, varSmoothing: 1e-2)
        let rows = try FeatureMatrix(bytes: pixels, featureCount: D)
        let joint = try model.jointLogLikelihoods(rows)
        #expect(joint.allSatisfy { $0.allSatisfy { $0.isFinite && $0 < -Double(D) } })
        let probabilities = try model.predictProbabilities(rows)
        let logProbabilities = try model.predictLogProbabilities(rows)
        for (p, lp) in zip(probabilities, logProbabilities) {
            #expect(p.allSatisfy { !$0.isNaN && $0 >= 0 && $0 <= 1 })
            #expect(lp.allSatisfy { $0.isFinite || $0 == -.infinity })
            #expect(close(p.reduce(0, +), 1, 1e-12))
        }
        #expect(try model.score(rows, labels: labels) == 1)
        let nll = try model.negativeLogLikelihood(rows, labels: labels)
        #expect(close(try model.negativeLogLikelihoodTerms(rows, labels: labels).total, nll, 1e-9))
    }

    @Test func wrongFeatureCountOrLabelsFail() throws {
        let model = try GaussianClassifier.fit(FeatureMatrix(rows: [[0, 1], [2, 3], [4, 1]]), labels: [0, 0, 1], classes: ["a", "b"])
        #expect(expectConvKitError { _ = try model.predict(FeatureMatrix(rows: [[1, 2, 3]])) }?.description.contains("the rows have 3 features, the model expects 2") == true)
        #expect(expectConvKitError { _ = try model.score(FeatureMatrix(rows: [[1, 2]]), labels: [2]) }?.description.contains("label 2 of row 0") == true)
        #expect(expectConvKitError { _ = try model.negativeLogLikelihood(FeatureMatrix(rows: [[1, 2]]), labels: []) }?.description.contains("0 labels for 1 rows") == true)
    }
}
