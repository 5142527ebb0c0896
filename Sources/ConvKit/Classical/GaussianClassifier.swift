import ConvKitKernels
import Foundation

/// A generative classifier: class priors α_k and class-conditional Gaussians p(x | y = k) =
/// N(x; μ_k, Σ_k), fitted by maximum likelihood (``GaussianFitter``) and used through Bayes' rule,
/// p(y = k | x) = α_k p(x | k) / Σ_j α_j p(x | j).
///
/// Three covariance structures (``VarianceMode``):
/// - `shared`: Σ_k = diag(σ_1², …, σ_D²) for every class (the default);
/// - `perClass`: Σ_k = diag(σ_k1², …, σ_kD²), Gaussian naive Bayes (scikit-learn's `GaussianNB`);
/// - `fullShared`: one full D × D matrix Σ for every class, linear discriminant analysis.
///
/// Features are plain numbers in the data's own units (pixel features are bytes 0…255, not
/// normalised); variances are in those units squared. Logarithms are natural. Classes are indexed
/// in the order of ``classes``.
public struct GaussianClassifier: Sendable, Equatable {
    /// How the class-conditional covariance is structured; the raw values are the CLI's and the
    /// model file's spelling.
    public enum VarianceMode: String, CaseIterable, Sendable {
        /// One diagonal covariance shared by all classes.
        case shared
        /// One diagonal covariance per class (Gaussian naive Bayes).
        case perClass = "per-class"
        /// One full covariance matrix shared by all classes (linear discriminant analysis).
        case fullShared = "full-shared"

        /// Parses `shared`, `per-class` or `full-shared`, listing them on error.
        public init(parsing text: String) throws {
            guard let mode = VarianceMode(rawValue: text) else {
                throw ConvKitError.invalidArgument(name: "--variance", reason: "'\(text)' is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = mode
        }
    }

    /// The fitted covariance, variances already including the smoothing.
    public enum Covariance: Sendable, Equatable {
        /// σ_i², one per feature, shared by all classes.
        case shared(variances: [Double])
        /// σ_ki², `K × D`: row k is class k's diagonal.
        case perClass(variances: [[Double]])
        /// Σ, `D × D` symmetric positive definite, shared by all classes.
        case fullShared(covariance: [[Double]])

        /// The mode this covariance belongs to.
        public var mode: VarianceMode {
            switch self {
            case .shared: .shared
            case .perClass: .perClass
            case .fullShared: .fullShared
            }
        }
    }

    /// Class names; class k is `classes[k]`.
    public let classes: [String]
    /// Feature names (CSV column names, or `pixel_<i>` for images, i in C×H×W order).
    public let featureNames: [String]
    /// α_k, positive, summing to 1.
    public let priors: [Double]
    /// μ_k, `K × D`.
    public let means: [[Double]]
    /// The class-conditional covariance.
    public let covariance: Covariance
    /// The relative smoothing ε the variances were fitted with (ε · max_i Var(x_i) was added to
    /// every variance); informational, prediction uses ``covariance`` as it is.
    public let varSmoothing: Double

    /// Precomputed linear/quadratic discriminants (derived from the parameters above).
    let discriminant: GaussianDiscriminant

    /// The variance structure.
    public var mode: VarianceMode { covariance.mode }
    /// K, the number of classes.
    public var classCount: Int { classes.count }
    /// D, the number of features.
    public var featureCount: Int { featureNames.count }

    /// Validates the parameters (sizes, positive variances, priors summing to 1 within 1e-6,
    /// a positive-definite covariance) and precomputes the discriminants.
    /// Errors are ``ConvKitError/invalidArgument(name:reason:)`` named `Gaussian model`.
    public init(classes: [String], featureNames: [String], priors: [Double], means: [[Double]],
                covariance: Covariance, varSmoothing: Double) throws {
        func invalid(_ reason: String) -> ConvKitError { .invalidArgument(name: "Gaussian model", reason: reason) }
        let K = classes.count, D = featureNames.count
        guard K >= 1 else { throw invalid("there are no classes") }
        guard D >= 1 else { throw invalid("there are no features") }
        if let dup = Self.firstDuplicate(classes) { throw invalid("class '\(dup)' appears twice") }
        if let dup = Self.firstDuplicate(featureNames) { throw invalid("feature '\(dup)' appears twice") }
        try Self.checkPriors(priors, classCount: K, name: "priors")
        guard means.count == K else { throw invalid("means has \(means.count) rows, expected one per class (\(K))") }
        for (k, row) in means.enumerated() {
            guard row.count == D else { throw invalid("means[\(k)] has \(row.count) values, expected \(D) (one per feature)") }
            if let i = row.firstIndex(where: { !$0.isFinite }) { throw invalid("means[\(k)][\(i)] is \(row[i]), not a finite number") }
        }
        func checkVariances(_ row: [Double], _ name: String) throws {
            guard row.count == D else { throw invalid("\(name) has \(row.count) values, expected \(D) (one per feature)") }
            if let i = row.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw invalid("\(name)[\(i)] (feature '\(featureNames[i])') is \(row[i]); variances must be positive and finite")
            }
        }
        switch covariance {
        case let .shared(variances):
            try checkVariances(variances, "variances")
        case let .perClass(variances):
            guard variances.count == K else { throw invalid("variances has \(variances.count) rows, expected one per class (\(K))") }
            for (k, row) in variances.enumerated() { try checkVariances(row, "variances[\(k)]") }
        case let .fullShared(matrix):
            guard matrix.count == D else { throw invalid("covariance has \(matrix.count) rows, expected \(D)") }
            for (i, row) in matrix.enumerated() {
                guard row.count == D else { throw invalid("covariance[\(i)] has \(row.count) values, expected \(D)") }
                if let j = row.firstIndex(where: { !$0.isFinite }) { throw invalid("covariance[\(i)][\(j)] is \(row[j]), not a finite number") }
            }
            for i in 0..<D {
                for j in (i + 1)..<D where abs(matrix[i][j] - matrix[j][i]) > 1e-12 * max(abs(matrix[i][j]), abs(matrix[j][i]), Double.leastNormalMagnitude) {
                    throw invalid("covariance is not symmetric: [\(i)][\(j)] = \(matrix[i][j]) but [\(j)][\(i)] = \(matrix[j][i])")
                }
            }
        }
        guard varSmoothing >= 0, varSmoothing.isFinite else { throw invalid("var_smoothing \(varSmoothing) must be finite and ≥ 0") }
        self.classes = classes
        self.featureNames = featureNames
        self.priors = priors
        self.means = means
        self.covariance = covariance
        self.varSmoothing = varSmoothing
        self.discriminant = try GaussianDiscriminant(priors: priors, means: means, covariance: covariance, featureNames: featureNames)
    }

    /// Equal parameters (the discriminants follow from them).
    public static func == (a: GaussianClassifier, b: GaussianClassifier) -> Bool {
        a.classes == b.classes && a.featureNames == b.featureNames && a.priors == b.priors && a.means == b.means
            && a.covariance == b.covariance && a.varSmoothing == b.varSmoothing
    }

    /// Checks that `priors` has one positive, finite value per class summing to 1 within 1e-6.
    static func checkPriors(_ priors: [Double], classCount: Int, name: String) throws {
        guard priors.count == classCount else {
            throw ConvKitError.invalidArgument(name: name, reason: "\(priors.count) values given, expected one per class (\(classCount))")
        }
        if let k = priors.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw ConvKitError.invalidArgument(name: name, reason: "prior \(k) is \(priors[k]); priors must be positive")
        }
        let sum = priors.reduce(0, +)
        guard abs(sum - 1) <= 1e-6 else {
            throw ConvKitError.invalidArgument(name: name, reason: "the priors sum to \(sum), not 1")
        }
    }

    private static func firstDuplicate(_ names: [String]) -> String? {
        var seen = Set<String>()
        return names.first { !seen.insert($0).inserted }
    }
}

/// The fitted model rewritten for fast evaluation. With L = log 2π:
/// - shared: log α_k + log p(x|k) = q(x) + w_k·x + b_k with w_ki = μ_ki/σ_i²,
///   b_k = log α_k − ½ Σ_i μ_ki²/σ_i² − ½ Σ_i (L + log σ_i²), q(x) = −½ Σ_i x_i²/σ_i²;
/// - per-class: b_k − ½ Σ_i (x_i − μ_ki)²/σ_ki², b_k = log α_k − ½ Σ_i (L + log σ_ki²);
/// - full-shared (Σ = UᵀU): q(x) + w_k·x + b_k with w_k = Σ⁻¹μ_k,
///   b_k = log α_k − ½ μ_k·w_k − ½ D·L − Σ_i log U_ii, q(x) = −½ ‖U⁻ᵀx‖².
/// q(x) is the same for every class, so posteriors never need it.
struct GaussianDiscriminant: Sendable {
    let classCount: Int
    let featureCount: Int
    /// μ, `K × D`.
    let means: [Double]
    /// Shared and full: w, `K × D`. Per-class: unused.
    let weights: [Double]
    /// b_k.
    let biases: [Double]
    /// Shared: 1/σ_i² (D). Per-class: 1/σ_ki² (`K × D`). Full: unused.
    let precisions: [Double]
    /// ½ log det(2πΣ_k) for each class: the normalising term of −log p(x | k).
    let halfLogDeterminants: [Double]
    /// log α_k.
    let logPriors: [Double]
    /// Full mode: U with Σ = UᵀU and the batched solver for ‖U⁻ᵀx‖².
    let solver: MahalanobisSolver?

    init(priors: [Double], means: [[Double]], covariance: GaussianClassifier.Covariance, featureNames: [String]) throws {
        let K = means.count, D = featureNames.count
        let log2pi = Foundation.log(2 * Double.pi)
        classCount = K
        featureCount = D
        self.means = means.flatMap { $0 }
        let logPriors = priors.map { Foundation.log($0) }
        self.logPriors = logPriors
        switch covariance {
        case let .shared(variances):
            let precision = variances.map { 1 / $0 }
            let halfLogDet = 0.5 * variances.reduce(0) { $0 + log2pi + Foundation.log($1) }
            var w = [Double](repeating: 0, count: K * D), b = [Double](repeating: 0, count: K)
            for k in 0..<K {
                var quadratic = 0.0
                for i in 0..<D {
                    w[k * D + i] = means[k][i] * precision[i]
                    quadratic += means[k][i] * means[k][i] * precision[i]
                }
                b[k] = logPriors[k] - 0.5 * quadratic - halfLogDet
            }
            weights = w
            biases = b
            precisions = precision
            halfLogDeterminants = Array(repeating: halfLogDet, count: K)
            solver = nil
        case let .perClass(variances):
            weights = []
            precisions = variances.flatMap { $0.map { 1 / $0 } }
            let halfLogDets = variances.map { row in 0.5 * row.reduce(0) { $0 + log2pi + Foundation.log($1) } }
            halfLogDeterminants = halfLogDets
            biases = (0..<K).map { logPriors[$0] - halfLogDets[$0] }
            solver = nil
        case let .fullShared(matrix):
            let lda = paddedOrder(D)
            var u = [Double](repeating: 0, count: lda * lda)
            for i in 0..<D { for j in i..<D { u[i * lda + j] = matrix[i][j] } }
            let failure = choleskyUpper(matrix: &u, n: D, lda: lda)
            if let failure {
                throw ConvKitError.invalidArgument(name: "Gaussian model", reason: "the covariance matrix is not positive definite (Cholesky pivot \(failure.pivot) at feature '\(featureNames[failure.row])'); features are linearly dependent — increase the variance smoothing")
            }
            var logDet = 0.0
            for i in 0..<D { logDet += Foundation.log(u[i * lda + i]) }
            let halfLogDet = 0.5 * Double(D) * log2pi + logDet
            var w = [Double](repeating: 0, count: K * D), b = [Double](repeating: 0, count: K)
            for k in 0..<K {
                // w_k = Σ⁻¹μ_k: Uᵀz = μ_k, then Uw_k = z, in place in row k of w.
                for i in 0..<D { w[k * D + i] = means[k][i] }
                solveCholesky(u, n: D, lda: lda, &w, offset: k * D)
                var muW = 0.0
                for i in 0..<D { muW += means[k][i] * w[k * D + i] }
                b[k] = logPriors[k] - 0.5 * muW - halfLogDet
            }
            weights = w
            biases = b
            precisions = []
            halfLogDeterminants = Array(repeating: halfLogDet, count: K)
            solver = MahalanobisSolver(upper: u, n: D, lda: lda)
        }
    }
}
