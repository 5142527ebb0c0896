import ConvKitKernels
import Foundation

/// Fits a ``GaussianClassifier`` by maximum likelihood, streaming: give it labelled batches with
/// ``partialFit(_:labels:)`` (or a whole ``ImageDataset``), then ask for the ``model(priors:varSmoothing:)``.
///
/// It keeps, per class k, the count N_k, the mean μ_k and the sums of squared deviations from the
/// mean M_k (`K × D` diagonals; in full-shared mode the pooled `D × D` scatter W = Σ_k M_k instead).
/// Each batch is reduced to its own counts, means and deviations (two passes over the batch, in its
/// stored type), then merged with the pairwise update of Chan, Golub & LeVeque (1979):
/// δ = m_b − μ_a, μ = μ_a + δ·n_b/N, M = M_a + M_b + δδᵀ·n_a·n_b/N. Fitting in one batch or in many
/// gives the same model up to rounding.
///
/// The maximum-likelihood estimates (N = Σ_k N_k, ε = `varSmoothing` · max_i Var(x_i), where Var is
/// the variance of feature i over all examples, as in scikit-learn):
/// α_k = N_k/N (unless priors are given), μ_k = class mean,
/// shared σ_i² = (Σ_k M_ki)/N + ε, per-class σ_ki² = M_ki/N_k + ε, full-shared Σ = W/N + ε·I.
public struct GaussianFitter: Sendable {
    /// The covariance structure being fitted.
    public let mode: GaussianClassifier.VarianceMode
    /// Class names; labels are indices into this list.
    public let classes: [String]
    /// Feature names, one per column.
    public let featureNames: [String]
    /// N_k, the examples seen of each class.
    public private(set) var counts: [Int]
    /// μ_k, `K × D`.
    private var means: [Double]
    /// M_k (`K × D`) or, in full-shared mode, W (`D × D`).
    private var scatter: [Double]

    /// An empty fit. `classes` and `featureNames` must be non-empty and free of duplicates.
    public init(mode: GaussianClassifier.VarianceMode = .shared, classes: [String], featureNames: [String]) throws {
        guard !classes.isEmpty else { throw ConvKitError.invalidArgument(name: "classes", reason: "there are no classes") }
        guard !featureNames.isEmpty else { throw ConvKitError.invalidArgument(name: "features", reason: "there are no features") }
        guard Set(classes).count == classes.count else { throw ConvKitError.invalidArgument(name: "classes", reason: "class names must be distinct") }
        guard Set(featureNames).count == featureNames.count else { throw ConvKitError.invalidArgument(name: "features", reason: "feature names must be distinct") }
        self.mode = mode
        self.classes = classes
        self.featureNames = featureNames
        self.counts = Array(repeating: 0, count: classes.count)
        self.means = Array(repeating: 0, count: classes.count * featureNames.count)
        let D = featureNames.count
        self.scatter = Array(repeating: 0, count: mode == .fullShared ? D * D : classes.count * D)
    }

    /// N, the examples seen so far.
    public var exampleCount: Int { counts.reduce(0, +) }

    /// Adds a batch of rows; `labels[n]` is row n's class index into ``classes``.
    public mutating func partialFit(_ rows: FeatureMatrix, labels: [Int]) throws {
        let K = classes.count, D = featureNames.count
        guard rows.featureCount == D else {
            throw ConvKitError.invalidArgument(name: "features", reason: "the rows have \(rows.featureCount) features, expected \(D)")
        }
        try GaussianClassifier.checkClassIndices(labels, rowCount: rows.rowCount, classCount: K)
        guard rows.rowCount > 0 else { return }
        let batch = try rows.accept(GaussianBatchStatisticsVisitor(labels: labels, classCount: K, featureCount: D, fullScatter: mode == .fullShared))
        merge(batch)
    }

    /// Adds every image of `dataset`: features are its pixel bytes (0…255, C×H×W order, not
    /// normalised), read in place. Its class names must be ``classes``.
    public mutating func partialFit(_ dataset: ImageDataset) throws {
        guard dataset.classNames == classes else {
            throw ConvKitError.invalidArgument(name: dataset.name, reason: "classes \(dataset.classNames) differ from the fit's \(classes)")
        }
        try partialFit(FeatureMatrix(bytes: dataset.images, featureCount: dataset.imageSize), labels: dataset.labels.map(Int.init))
    }

    /// Chan et al.'s merge of a batch's statistics into the running ones.
    private mutating func merge(_ batch: GaussianBatchStatistics) {
        let K = classes.count, D = featureNames.count
        let full = mode == .fullShared
        var corrections: [(weight: Double, delta: [Double])] = []
        for k in 0..<K where batch.counts[k] > 0 {
            let na = counts[k], nb = batch.counts[k], n = na + nb
            let base = k * D
            if na == 0 {
                for i in 0..<D { means[base + i] = batch.means[base + i] }
                if !full { for i in 0..<D { scatter[base + i] = batch.scatter[base + i] } }
            } else {
                let fraction = Double(nb) / Double(n), weight = Double(na) * Double(nb) / Double(n)
                var delta = [Double](repeating: 0, count: D)
                for i in 0..<D {
                    let d = batch.means[base + i] - means[base + i]
                    delta[i] = d
                    means[base + i] += d * fraction
                    if !full { scatter[base + i] += batch.scatter[base + i] + d * d * weight }
                }
                if full { corrections.append((weight, delta)) }
            }
            counts[k] = n
        }
        guard full else { return }
        for j in 0..<(D * D) { scatter[j] += batch.scatter[j] }
        for (weight, delta) in corrections {
            for i in 0..<D {
                let wi = weight * delta[i]
                for j in 0..<D { scatter[i * D + j] += wi * delta[j] }
            }
        }
    }

    /// The fitted model. `priors` (one per class, positive, summing to 1 within 1e-6) replace the
    /// estimated N_k/N; `varSmoothing` is the ε of the smoothing ε·max_i Var(x_i) added to every
    /// variance (default 1e-9, scikit-learn's). Throws ``ConvKitError/fitError(reason:)`` when a class
    /// has no examples, when every feature is constant (max variance 0), or when a variance or the
    /// covariance is still singular after smoothing.
    public func model(priors: [Double]? = nil, varSmoothing: Double = 1e-9) throws -> GaussianClassifier {
        let K = classes.count, D = featureNames.count
        guard varSmoothing >= 0, varSmoothing.isFinite else {
            throw ConvKitError.invalidArgument(name: "var smoothing", reason: "\(varSmoothing) must be finite and ≥ 0")
        }
        if let priors { try GaussianClassifier.checkPriors(priors, classCount: K, name: "priors") }
        let N = exampleCount
        guard N > 0 else { throw ConvKitError.fitError(reason: "there are no training examples") }
        let empty = (0..<K).filter { counts[$0] == 0 }.map { "'\(classes[$0])'" }
        guard empty.isEmpty else {
            throw ConvKitError.fitError(reason: "class\(empty.count > 1 ? "es" : "") \(empty.joined(separator: ", ")) \(empty.count > 1 ? "have" : "has") no examples; every class needs at least one to estimate its mean")
        }
        let n = Double(N)
        let full = mode == .fullShared

        // Var(x_i) over all examples = (within-class + between-class sums of squares) / N.
        var withinClass = [Double](repeating: 0, count: D)
        for i in 0..<D {
            if full {
                withinClass[i] = scatter[i * D + i]
            } else {
                for k in 0..<K { withinClass[i] += scatter[k * D + i] }
            }
        }
        var maxVariance = 0.0
        for i in 0..<D {
            var grand = 0.0
            for k in 0..<K { grand += Double(counts[k]) * means[k * D + i] }
            grand /= n
            var between = 0.0
            for k in 0..<K {
                let d = means[k * D + i] - grand
                between += Double(counts[k]) * d * d
            }
            maxVariance = max(maxVariance, (withinClass[i] + between) / n)
        }
        guard maxVariance > 0 else {
            throw ConvKitError.fitError(reason: "all \(D) features are constant (every variance is 0), so no Gaussian can be fitted")
        }
        let epsilon = varSmoothing * maxVariance

        let meanRows = (0..<K).map { Array(means[$0 * D ..< ($0 + 1) * D]) }
        func zeroVariance(_ i: Int, _ k: Int?) -> ConvKitError {
            .fitError(reason: "feature '\(featureNames[i])' has variance 0\(k.map { " in class '\(classes[$0])'" } ?? ""); use a positive variance smoothing")
        }
        let covariance: GaussianClassifier.Covariance
        switch mode {
        case .shared:
            let variances = withinClass.map { $0 / n + epsilon }
            if let i = variances.firstIndex(where: { !($0 > 0) }) { throw zeroVariance(i, nil) }
            covariance = .shared(variances: variances)
        case .perClass:
            let variances = (0..<K).map { k in (0..<D).map { scatter[k * D + $0] / Double(counts[k]) + epsilon } }
            for k in 0..<K { if let i = variances[k].firstIndex(where: { !($0 > 0) }) { throw zeroVariance(i, k) } }
            covariance = .perClass(variances: variances)
        case .fullShared:
            var matrix = (0..<D).map { i in (0..<D).map { scatter[i * D + $0] / n } }
            for i in 0..<D { matrix[i][i] += epsilon }
            covariance = .fullShared(covariance: matrix)
        }
        let alphas = priors ?? counts.map { Double($0) / n }
        do {
            return try GaussianClassifier(classes: classes, featureNames: featureNames, priors: alphas, means: meanRows,
                                          covariance: covariance, varSmoothing: varSmoothing)
        } catch let ConvKitError.invalidArgument(_, reason) {
            throw ConvKitError.fitError(reason: reason)
        }
    }
}

extension GaussianClassifier {
    /// Fits in one batch. `labels[n]` is row n's index into `classes`; `featureNames` default to
    /// `x1`, `x2`, … See ``GaussianFitter`` for the estimates, priors and smoothing.
    public static func fit(_ rows: FeatureMatrix, labels: [Int], classes: [String], featureNames: [String]? = nil,
                           mode: VarianceMode = .shared, priors: [Double]? = nil, varSmoothing: Double = 1e-9) throws -> GaussianClassifier {
        var fitter = try GaussianFitter(mode: mode, classes: classes,
                                        featureNames: featureNames ?? (1...max(rows.featureCount, 1)).map { "x\($0)" })
        try fitter.partialFit(rows, labels: labels)
        return try fitter.model(priors: priors, varSmoothing: varSmoothing)
    }

    /// Fits on the pixels of an image dataset, read in place as bytes (no Float64 copy): features are
    /// the pixel values 0…255 in C×H×W order, named `pixel_<i>`; classes are the dataset's.
    public static func fit(_ dataset: ImageDataset, mode: VarianceMode = .shared, priors: [Double]? = nil,
                           varSmoothing: Double = 1e-9) throws -> GaussianClassifier {
        var fitter = try GaussianFitter(mode: mode, classes: dataset.classNames, featureNames: pixelFeatureNames(dataset.imageSize))
        try fitter.partialFit(dataset)
        return try fitter.model(priors: priors, varSmoothing: varSmoothing)
    }

    /// `pixel_0` … `pixel_<count−1>`, the feature names of image data.
    public static func pixelFeatureNames(_ count: Int) -> [String] { (0..<count).map { "pixel_\($0)" } }
}
