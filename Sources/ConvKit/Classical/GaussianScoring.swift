import ConvKitKernels
// Gaussian prediction over the rows in their stored type: class scores (linear discriminants, or
// the per-class quadratic form) and per-row Mahalanobis forms. The loops are kernels
// (ConvKitKernels/GaussianScores.swift); this file picks the one for the model's covariance.

/// Class scores s_nk, `N × K`, without the class-independent term q(x) (see ``GaussianDiscriminant``):
/// shared and full-shared: w_k·x + b_k; per-class: b_k − ½ Σ_i (x_i − μ_ki)²/σ_ki² (already complete).
struct GaussianScoreVisitor: FeatureMatrixVisitor {
    let model: GaussianDiscriminant
    let rowCount: Int
    let perClass: Bool

    func visit(_ values: FeatureValues) -> [Double] {
        let chunks = rowChunks(count: rowCount, minimumRows: 64)
        if perClass {
            return gaussianQuadraticScores(values, rowCount: rowCount, featureCount: model.featureCount, means: model.means,
                                           precisions: model.precisions, biases: model.biases, chunks: chunks)
        }
        return gaussianLinearScores(values, rowCount: rowCount, featureCount: model.featureCount, weights: model.weights,
                                    biases: model.biases, chunks: chunks)
    }
}

/// Per-row Mahalanobis forms (x_n − c_n)ᵀ Σ_n⁻¹ (x_n − c_n), with c_n = μ_{y_n} when `labels` are
/// given and c_n = 0 otherwise (Σ_n = the covariance of class y_n; per-class mode needs labels).
struct GaussianMahalanobisVisitor: FeatureMatrixVisitor {
    let model: GaussianDiscriminant
    let rowCount: Int
    let labels: [Int]?
    /// Per-class mode: the precision row is the row's class's.
    let perClass: Bool

    func visit(_ values: FeatureValues) -> [Double] {
        if let solver = model.solver {
            // Full covariance: blocks of rows through ``MahalanobisSolver``.
            return gaussianFullForms(values, rowCount: rowCount, featureCount: model.featureCount, means: model.means,
                                     labels: labels, solver: solver)
        }
        return gaussianDiagonalForms(values, rowCount: rowCount, featureCount: model.featureCount, means: model.means,
                                     precisions: model.precisions, labels: labels, perClassPrecisions: perClass,
                                     chunks: rowChunks(count: rowCount, minimumRows: 64))
    }
}
