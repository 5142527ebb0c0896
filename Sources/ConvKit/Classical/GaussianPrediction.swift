import ConvKitKernels
import Foundation

/// The negative log-likelihood of a labelled data set, −Σ_n log p(x_n, y_n), split into its terms.
/// For the shared model (N examples, D features):
///
///     NLL = (N·D/2)·log 2π + (N/2)·Σ_i log σ_i² + ½ Σ_n Σ_i (x_ni − μ_{y_n,i})²/σ_i² − Σ_n log α_{y_n}
///
/// Per-class: the log-determinant term is ½ Σ_n Σ_i log σ_{y_n,i}² and the quadratic term divides by
/// σ_{y_n,i}². Full-shared: (N/2)·log det Σ and ½ Σ_n (x_n − μ_{y_n})ᵀ Σ⁻¹ (x_n − μ_{y_n}).
/// Natural logarithms (nats).
public struct GaussianNLL: Sendable, Equatable {
    /// N.
    public var exampleCount: Int
    /// (N·D/2)·log 2π.
    public var normalisation: Double
    /// ½ Σ_n log det Σ_{y_n}.
    public var logDeterminant: Double
    /// ½ Σ_n (x_n − μ_{y_n})ᵀ Σ_{y_n}⁻¹ (x_n − μ_{y_n}).
    public var mahalanobis: Double
    /// −Σ_n log α_{y_n}.
    public var prior: Double

    /// The sum of the four terms.
    public var total: Double { normalisation + logDeterminant + mahalanobis + prior }
}

extension GaussianClassifier {
    /// log p(x_n, y = k) = log α_k + log p(x_n | k) for every row n and class k (N arrays of K).
    public func jointLogLikelihoods(_ rows: FeatureMatrix) throws -> [[Double]] {
        let joint = try jointLogLikelihoodMatrix(rows)
        return Self.split(joint, columns: classCount)
    }

    /// log p(y = k | x_n) for every row (N arrays of K), by log-sum-exp over the classes:
    /// log p(k | x) = s_k − (m + log Σ_j exp(s_j − m)), m = max_j s_j. Never NaN and never
    /// underflows, however many features (a row whose scores are not finite throws instead).
    public func predictLogProbabilities(_ rows: FeatureMatrix) throws -> [[Double]] {
        Self.split(try logPosteriorMatrix(rows), columns: classCount)
    }

    /// p(y = k | x_n) for every row (N arrays of K, each summing to 1 up to rounding).
    public func predictProbabilities(_ rows: FeatureMatrix) throws -> [[Double]] {
        Self.split(try logPosteriorMatrix(rows).map { Foundation.exp($0) }, columns: classCount)
    }

    /// The most probable class index of every row (the first one on ties).
    public func predict(_ rows: FeatureMatrix) throws -> [Int] {
        let scores = try classScores(rows)
        return (0..<rows.rowCount).map { n in Self.argmax(scores, row: n, columns: classCount) }
    }

    /// Accuracy: the fraction of rows whose predicted class is `labels[n]` (class indices).
    public func score(_ rows: FeatureMatrix, labels: [Int]) throws -> Double {
        try checkLabels(labels, rows: rows)
        let predicted = try predict(rows)
        let correct = zip(predicted, labels).filter { $0 == $1 }.count
        return Double(correct) / Double(max(labels.count, 1))
    }

    /// −Σ_n log p(x_n, y_n), summed directly from the joint log-likelihoods (nats).
    public func negativeLogLikelihood(_ rows: FeatureMatrix, labels: [Int]) throws -> Double {
        try checkLabels(labels, rows: rows)
        let joint = try jointLogLikelihoodMatrix(rows)
        var total = 0.0
        for (n, k) in labels.enumerated() { total -= joint[n * classCount + k] }
        return total
    }

    /// The negative log-likelihood as the sum of its terms (see ``GaussianNLL``), computed from the
    /// residuals x_n − μ_{y_n}: an independent route to ``negativeLogLikelihood(_:labels:)``.
    public func negativeLogLikelihoodTerms(_ rows: FeatureMatrix, labels: [Int]) throws -> GaussianNLL {
        try checkLabels(labels, rows: rows)
        let forms = try rows.accept(GaussianMahalanobisVisitor(model: discriminant, rowCount: rows.rowCount, labels: labels, perClass: mode == .perClass))
        let log2pi = Foundation.log(2 * Double.pi)
        let N = Double(labels.count), D = Double(featureCount)
        var logDet = 0.0, quadratic = 0.0, prior = 0.0
        for (n, k) in labels.enumerated() {
            logDet += discriminant.halfLogDeterminants[k] - 0.5 * D * log2pi
            quadratic += 0.5 * forms[n]
            prior -= discriminant.logPriors[k]
        }
        return GaussianNLL(exampleCount: labels.count, normalisation: 0.5 * N * D * log2pi, logDeterminant: logDet,
                           mahalanobis: quadratic, prior: prior)
    }

    // MARK: - Internals

    /// s_nk (`N × K`, row-major): log p(x_n, k) up to the class-independent q(x_n).
    func classScores(_ rows: FeatureMatrix) throws -> [Double] {
        guard rows.featureCount == featureCount else {
            throw ConvKitError.invalidArgument(name: "features", reason: "the rows have \(rows.featureCount) features, the model expects \(featureCount) (\(Self.preview(featureNames)))")
        }
        return try rows.accept(GaussianScoreVisitor(model: discriminant, rowCount: rows.rowCount, perClass: mode == .perClass))
    }

    /// log p(x_n, k), `N × K`: the class scores plus q(x_n) = −½ (Mahalanobis form of x_n about 0).
    func jointLogLikelihoodMatrix(_ rows: FeatureMatrix) throws -> [Double] {
        var joint = try classScores(rows)
        guard mode != .perClass else { return joint }
        let forms = try rows.accept(GaussianMahalanobisVisitor(model: discriminant, rowCount: rows.rowCount, labels: nil, perClass: false))
        for n in 0..<rows.rowCount {
            for k in 0..<classCount { joint[n * classCount + k] -= 0.5 * forms[n] }
        }
        return joint
    }

    /// log p(k | x_n), `N × K`.
    func logPosteriorMatrix(_ rows: FeatureMatrix) throws -> [Double] {
        var scores = try classScores(rows)
        let K = classCount
        for n in 0..<rows.rowCount {
            var m = -Double.infinity
            for k in 0..<K { m = max(m, scores[n * K + k]) }
            guard m.isFinite else {
                throw ConvKitError.invalidArgument(name: "features", reason: "row \(n): the class log-likelihoods are not finite (the features are far too large for the model's variances)")
            }
            // s_k − m first (exactly 0 for the best class), then − log Σ: subtracting m + log Σ in one
            // step would round at the magnitude of s (thousands for image data).
            var sum = 0.0
            for k in 0..<K {
                scores[n * K + k] -= m
                sum += Foundation.exp(scores[n * K + k])
            }
            let logSum = Foundation.log(sum)
            for k in 0..<K { scores[n * K + k] -= logSum }
        }
        return scores
    }

    func checkLabels(_ labels: [Int], rows: FeatureMatrix) throws {
        try Self.checkClassIndices(labels, rowCount: rows.rowCount, classCount: classCount)
    }

    /// One label per row, each a class index in `0..<classCount`.
    static func checkClassIndices(_ labels: [Int], rowCount: Int, classCount: Int) throws {
        guard labels.count == rowCount else {
            throw ConvKitError.invalidArgument(name: "labels", reason: "\(labels.count) labels for \(rowCount) rows")
        }
        if let n = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw ConvKitError.invalidArgument(name: "labels", reason: "label \(labels[n]) of row \(n) is not a class index 0..<\(classCount)")
        }
    }

    static func argmax(_ values: [Double], row: Int, columns: Int) -> Int {
        var best = 0
        for k in 1..<max(columns, 1) where values[row * columns + k] > values[row * columns + best] { best = k }
        return best
    }

    static func split(_ flat: [Double], columns: Int) -> [[Double]] {
        stride(from: 0, to: flat.count, by: columns).map { Array(flat[$0 ..< $0 + columns]) }
    }

    static func preview(_ names: [String]) -> String {
        names.count <= 6 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + ", …"
    }
}
