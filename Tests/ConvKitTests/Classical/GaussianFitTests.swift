import Foundation
import Testing
@testable import ConvKit

/// Maximum-likelihood fitting: closed-form estimates against brute force, streaming against
/// one batch, image datasets against tables, and the errors.
@Suite struct GaussianFitTests {
    /// 3 classes of 40, 25 and 31 rows (96 rows, more than one parallel chunk of rows is not needed
    /// here: the streaming test below splits into batches), 5 features.
    static let table = RandomTable(perClass: [40, 25, 31], features: 5, seed: 11)

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func closedFormEqualsBruteForce(mode: GaussianClassifier.VarianceMode) throws {
        let table = Self.table
        let brute = BruteForceEstimates(table)
        let smoothing = 1e-3
        let model = try GaussianClassifier.fit(table.matrix, labels: table.labels, classes: table.classes, mode: mode, varSmoothing: smoothing)
        // ε = var_smoothing · max_i Var(x_i).
        let epsilon = smoothing * (brute.totalVariances.max() ?? 0)
        #expect(close(model.priors, brute.priors))
        #expect(close(model.means, brute.means))
        switch model.covariance {
        case let .shared(variances):
            #expect(close(variances, brute.sharedVariances.map { $0 + epsilon }))
        case let .perClass(variances):
            #expect(close(variances, brute.perClassVariances.map { $0.map { $0 + epsilon } }))
        case let .fullShared(matrix):
            var expected = brute.covariance
            for i in expected.indices { expected[i][i] += epsilon }
            #expect(close(matrix, expected))
        }
    }

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func partialFitInTwoBatchesEqualsOneFit(mode: GaussianClassifier.VarianceMode) throws {
        let table = Self.table
        let whole = try GaussianClassifier.fit(table.matrix, labels: table.labels, classes: table.classes, mode: mode)
        var fitter = try GaussianFitter(mode: mode, classes: table.classes, featureNames: whole.featureNames)
        // The first batch has no row of class 2 (a class first seen in the second batch).
        let first = (0..<table.rows.count).filter { $0 < 60 && table.labels[$0] != 2 }
        let second = (0..<table.rows.count).filter { !first.contains($0) }
        for part in [first, second] {
            try fitter.partialFit(FeatureMatrix(rows: part.map { table.rows[$0] }), labels: part.map { table.labels[$0] })
        }
        #expect(fitter.counts == [40, 25, 31])
        let streamed = try fitter.model()
        #expect(close(streamed.priors, whole.priors))
        #expect(close(streamed.means, whole.means))
        switch (streamed.covariance, whole.covariance) {
        case let (.shared(a), .shared(b)): #expect(close(a, b, 1e-11))
        case let (.perClass(a), .perClass(b)): #expect(close(a, b, 1e-11))
        case let (.fullShared(a), .fullShared(b)): #expect(close(a, b, 1e-11))
        default: Issue.record("modes differ")
        }
    }

    @Test func largeOffsetsKeepVariancesAccurate() throws {
        // x = 1e9 + {0, 1, 2, 3} in one class: mean 1e9 + 1.5, variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25.
        // Raw sums of squares (1e18 + …) would lose every digit of that in Float64.
        let rows = [0.0, 1, 2, 3].map { [1e9 + $0] }
        let model = try GaussianClassifier.fit(FeatureMatrix(rows: rows), labels: [0, 0, 0, 0], classes: ["a"], varSmoothing: 0)
        #expect(model.covariance == .shared(variances: [1.25]))
        #expect(model.means == [[1e9 + 1.5]])
    }

    @Test func imageDatasetFitReadsPixelBytes() throws {
        // 300 images of 2×2×2 bytes in 3 classes (two 256-row blocks of the exact byte scatter); the
        // same pixels as a Float64 table must give the same model.
        var random = RandomGenerator(seed: 3)
        let labels = (0..<300).map { _ in UInt8(random.nextInt(below: 3)) }
        let pixels = labels.flatMap { k in (0..<8).map { i in UInt8(clamping: Int(k) * 40 + i * 10 + random.nextInt(below: 150)) } }
        let dataset = try ImageDataset(name: "tiny", images: pixels, labels: labels, imageShape: [2, 2, 2], classNames: ["x", "y", "z"])
        for mode in GaussianClassifier.VarianceMode.allCases {
            let fromImages = try GaussianClassifier.fit(dataset, mode: mode)
            let fromTable = try GaussianClassifier.fit(FeatureMatrix(doubles: pixels.map(Double.init), featureCount: 8), labels: labels.map(Int.init),
                                                       classes: ["x", "y", "z"], featureNames: GaussianClassifier.pixelFeatureNames(8), mode: mode)
            // Full-shared sums bytes exactly (XᵀX − Σ_k N_k m_k m_kᵀ), Float64 rows about their means: equal up to rounding.
            if mode == .fullShared, case let .fullShared(a) = fromImages.covariance, case let .fullShared(b) = fromTable.covariance {
                #expect(close(a, b, 1e-12))
                #expect(fromImages.means == fromTable.means && fromImages.priors == fromTable.priors)
            } else {
                #expect(fromImages == fromTable)
            }
            #expect(fromImages.featureNames.first == "pixel_0" && fromImages.featureNames.last == "pixel_7")
            #expect(try fromImages.predict(FeatureMatrix(bytes: pixels, featureCount: 8)) == fromTable.predict(FeatureMatrix(doubles: pixels.map(Double.init), featureCount: 8)))
            #expect(try fromImages.score(FeatureMatrix(bytes: pixels, featureCount: 8), labels: labels.map(Int.init)) > 0.5)
        }
    }

    @Test func givenPriorsReplaceFrequencies() throws {
        let table = Self.table
        let model = try GaussianClassifier.fit(table.matrix, labels: table.labels, classes: table.classes, priors: [0.5, 0.3, 0.2])
        #expect(model.priors == [0.5, 0.3, 0.2])
    }

    @Test func constantFeatureGetsTheSmoothingVariance() throws {
        // Feature 2 is 7 everywhere. Feature 1: values 0, 2 (class a), 4, 6 (class b): overall mean 3,
        // Var = (9 + 1 + 1 + 9)/4 = 5, within-class variance (1 + 1 + 1 + 1)/4 = 1.
        // ε = 1e-9 · max(5, 0) = 5e-9: σ_1² = 1 + 5e-9, σ_2² = 0 + 5e-9.
        let rows: [[Double]] = [[0, 7], [2, 7], [4, 7], [6, 7]]
        let model = try GaussianClassifier.fit(FeatureMatrix(rows: rows), labels: [0, 0, 1, 1], classes: ["a", "b"])
        guard case let .shared(variances) = model.covariance else { Issue.record("not shared"); return }
        #expect(close(variances[0], 1 + 5e-9, 1e-15))
        #expect(close(variances[1], 5e-9, 1e-12))
        let probabilities = try model.predictProbabilities(FeatureMatrix(rows: [[1, 7], [5, 7], [3, 8]]))
        for row in probabilities { #expect(row.allSatisfy { $0.isFinite }) }
        #expect(probabilities[0][0] > 0.5 && probabilities[1][1] > 0.5)
    }

    struct FitFailure: Sendable, CustomTestStringConvertible {
        let name: String
        let rows: [[Double]], labels: [Int], classes: [String]
        var priors: [Double]? = nil
        var smoothing = 1e-9
        var mode = GaussianClassifier.VarianceMode.shared
        let message: String
        var testDescription: String { name }
    }

    static let failures: [FitFailure] = [
        FitFailure(name: "class without examples", rows: [[1], [2], [4]], labels: [0, 0, 2], classes: ["a", "b", "c"],
                   message: "cannot fit the model: class 'b' has no examples"),
        FitFailure(name: "all features constant", rows: [[1, 5], [1, 5], [1, 5]], labels: [0, 1, 1], classes: ["a", "b"],
                   message: "all 2 features are constant"),
        FitFailure(name: "constant feature without smoothing", rows: [[1, 5], [2, 5], [4, 5]], labels: [0, 1, 1], classes: ["a", "b"],
                   smoothing: 0, message: "feature 'x2' has variance 0"),
        FitFailure(name: "per-class zero variance without smoothing", rows: [[1], [1], [4], [6]], labels: [0, 0, 1, 1], classes: ["a", "b"],
                   smoothing: 0, mode: .perClass, message: "feature 'x1' has variance 0 in class 'a'"),
        FitFailure(name: "collinear features without smoothing", rows: [[1, 2], [2, 4], [4, 8], [3, 6]], labels: [0, 0, 1, 1], classes: ["a", "b"],
                   smoothing: 0, mode: .fullShared, message: "not positive definite"),
        FitFailure(name: "priors of the wrong count", rows: [[1], [2], [4]], labels: [0, 1, 1], classes: ["a", "b"], priors: [1],
                   message: "invalid value for priors: 1 values given, expected one per class (2)"),
        FitFailure(name: "priors not summing to 1", rows: [[1], [2], [4]], labels: [0, 1, 1], classes: ["a", "b"], priors: [0.5, 0.6],
                   message: "the priors sum to 1.1"),
        FitFailure(name: "non-positive prior", rows: [[1], [2], [4]], labels: [0, 1, 1], classes: ["a", "b"], priors: [0, 1],
                   message: "prior 0 is 0.0; priors must be positive"),
        FitFailure(name: "label out of range", rows: [[1], [2], [4]], labels: [0, 1, 2], classes: ["a", "b"],
                   message: "label 2 of row 2 is not a class index 0..<2"),
        FitFailure(name: "negative smoothing", rows: [[1], [2], [4]], labels: [0, 1, 1], classes: ["a", "b"], smoothing: -1,
                   message: "invalid value for var smoothing"),
    ]

    @Test(arguments: failures)
    func fitFailsClearly(failure: FitFailure) throws {
        let error = expectConvKitError {
            _ = try GaussianClassifier.fit(FeatureMatrix(rows: failure.rows), labels: failure.labels, classes: failure.classes,
                                           mode: failure.mode, priors: failure.priors, varSmoothing: failure.smoothing)
        }
        #expect(error?.description.contains(failure.message) == true, "\(String(describing: error))")
    }

    @Test func featureMatrixRejectsNonFiniteAndRaggedRows() throws {
        #expect(expectConvKitError { _ = try FeatureMatrix(rows: [[1, .nan]]) }?.description.contains("row 0, feature 1 is nan") == true)
        #expect(expectConvKitError { _ = try FeatureMatrix(rows: [[1, 2], [3]]) }?.description.contains("row 1 has 1 values") == true)
        #expect(expectConvKitError { _ = try FeatureMatrix(bytes: [1, 2, 3], featureCount: 2) } != nil)
    }
}
