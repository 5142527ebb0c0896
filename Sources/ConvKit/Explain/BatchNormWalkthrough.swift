/// Batch normalization of one mini-batch, worked out by the formulas (in Double) and, as an
/// independent check, through ConvKit's ``BatchNorm`` runtime (`BatchNorm1d`, one feature per
/// input value group).
///
/// For feature f with values x₁…xₙ over the n examples of the mini-batch:
/// μ = Σx/n; σ² = Σ(x − μ)²/n (biased: normalisation uses it); x̂ = (x − μ)/√(σ² + ε);
/// y = γ·x̂ + β. Running statistics start at mean 0 and variance 1 and, after each training batch,
/// become (1 − m)·running + m·batch statistic, with the *unbiased* variance σ²·n/(n − 1) (PyTorch).
/// Evaluation mode outputs γ·(x − running mean)/√(running var + ε) + β.
public struct BatchNormWalkthrough: Sendable {
    /// One feature (channel) worked out.
    public struct Feature: Sendable {
        /// Its values across the examples of the mini-batch.
        public var values: [Double]
        /// Scale γ and shift β of this feature.
        public var gamma: Double, beta: Double
        /// Batch mean μ = Σx/n.
        public var mean: Double
        /// Biased batch variance (÷ n).
        public var variance: Double
        /// x̂ per example.
        public var normalized: [Double]
        /// γ·x̂ + β per example.
        public var output: [Double]
        /// After `batches` training passes over this mini-batch.
        public var runningMean: Double, runningVariance: Double
        /// Evaluation-mode output for the same values.
        public var evaluationOutput: [Double]
    }

    /// Every feature worked out, in input order.
    public let features: [Feature]
    /// ε added to the variance under the square root.
    public let epsilon: Double
    /// Weight m of the batch statistic in the running-statistics update.
    public let momentum: Double
    /// Training passes over the mini-batch before evaluation (the running statistics' age).
    public let batches: Int
    /// ConvKit's training output, running mean/variance and evaluation output, feature-major.
    public let runtimeOutput: [[Float]], runtimeRunningMean: [Float], runtimeRunningVariance: [Float], runtimeEvaluationOutput: [[Float]]
    /// Largest |formula − ConvKit| over all of the above.
    public let maxAbsDifference: Double

    /// Parses `--values`: one `;`-separated group per feature, each `,`-separated values across
    /// the examples (`"12,14,14,12; 0,10,10,0"` is 2 features × 4 examples).
    public static func parseValues(_ text: String) throws -> [[Double]] {
        let groups = text.split(separator: ";", omittingEmptySubsequences: false)
        var features: [[Double]] = []
        for (f, group) in groups.enumerated() {
            features.append(try group.split(separator: ",", omittingEmptySubsequences: false).enumerated().map { k, cell in
                try ExplainArguments.number(cell, option: "--values", context: "feature \(f) value \(k)")
            })
        }
        return features
    }

    /// Works out `values` (feature-major) with the given γ, β (default 1 and 0).
    /// - Throws: ``ConvKitError`` for ragged groups, fewer than 2 examples, γ/β counts that differ
    ///   from the feature count, or ε, momentum or batches out of range.
    public init(values: [[Double]], gamma: [Double]? = nil, beta: [Double]? = nil, epsilon: Double = BatchNorm.defaultEpsilon, momentum: Double = BatchNorm.defaultMomentum,
                batches: Int = 1) throws {
        guard let n = values.first?.count, !values.isEmpty else {
            throw ConvKitError.invalidArgument(name: "--values", reason: "no values")
        }
        for (f, group) in values.enumerated() where group.count != n {
            throw ConvKitError.invalidArgument(name: "--values", reason: "feature \(f) has \(group.count) values, feature 0 has \(n): every feature needs one value per example of the mini-batch")
        }
        guard n >= 2 else {
            throw ConvKitError.invalidArgument(name: "--values", reason: "each feature has 1 value: a mini-batch of one example has no variance (need at least 2)")
        }
        let count = values.count
        let gamma = gamma ?? Array(repeating: 1, count: count), beta = beta ?? Array(repeating: 0, count: count)
        guard gamma.count == count else {
            throw ConvKitError.invalidArgument(name: "--gamma", reason: "found \(gamma.count) value\(gamma.count == 1 ? "" : "s") for \(count) feature\(count == 1 ? "" : "s") (one γ per feature)")
        }
        guard beta.count == count else {
            throw ConvKitError.invalidArgument(name: "--beta", reason: "found \(beta.count) value\(beta.count == 1 ? "" : "s") for \(count) feature\(count == 1 ? "" : "s") (one β per feature)")
        }
        guard epsilon > 0 else { throw ConvKitError.invalidArgument(name: "--eps", reason: "must be positive, found \(epsilon)") }
        guard momentum >= 0, momentum <= 1 else {
            throw ConvKitError.invalidArgument(name: "--momentum", reason: "must be in [0, 1], found \(momentum)")
        }
        guard batches >= 1, batches <= 100_000 else {
            throw ConvKitError.invalidArgument(name: "--batches", reason: "must be between 1 and 100,000, found \(batches)")
        }

        // The formulas, in Double.
        var features: [Feature] = []
        for (f, x) in values.enumerated() {
            let mean = x.reduce(0, +) / Double(n)
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let normalized = x.map { ($0 - mean) / (variance + epsilon).squareRoot() }
            var runningMean = 0.0, runningVariance = 1.0
            for _ in 0..<batches {
                runningMean = (1 - momentum) * runningMean + momentum * mean
                runningVariance = (1 - momentum) * runningVariance + momentum * variance * Double(n) / Double(n - 1)
            }
            let evaluation = x.map { gamma[f] * ($0 - runningMean) / (runningVariance + epsilon).squareRoot() + beta[f] }
            features.append(Feature(values: x, gamma: gamma[f], beta: beta[f], mean: mean, variance: variance, normalized: normalized,
                                    output: normalized.map { gamma[f] * $0 + beta[f] }, runningMean: runningMean,
                                    runningVariance: runningVariance, evaluationOutput: evaluation))
        }

        // ConvKit's runtime: input [n, F], example-major.
        let layer = BatchNorm("bn", .one, features: count, epsilon: epsilon, momentum: momentum)
        var random = RandomGenerator(seed: 0)
        let runtime = try layer.makeRuntime(input: [count], path: "bn", random: &random)
        runtime.parameters[0].value = try Tensor(shape: [count], values: gamma.map(Float.init))
        runtime.parameters[1].value = try Tensor(shape: [count], values: beta.map(Float.init))
        let x = try Tensor(shape: [n, count], values: (0..<n).flatMap { e in values.map { Float($0[e]) } })
        var training = RunContext(training: true)
        var trained = Tensor(shape: [0])
        for _ in 0..<batches { trained = try runtime.forward(x, &training) }
        var evaluation = RunContext(training: false)
        let evaluated = try runtime.forward(x, &evaluation)
        func featureMajor(_ t: Tensor) -> [[Float]] { (0..<count).map { f in (0..<n).map { t.storage[$0 * count + f] } } }
        runtimeOutput = featureMajor(trained)
        runtimeEvaluationOutput = featureMajor(evaluated)
        runtimeRunningMean = runtime.parameters[2].value.storage
        runtimeRunningVariance = runtime.parameters[3].value.storage

        var worst = 0.0
        for (f, feature) in features.enumerated() {
            worst = max(worst, ExplainArguments.maxAbsDifference(feature.output, runtimeOutput[f]))
            worst = max(worst, ExplainArguments.maxAbsDifference(feature.evaluationOutput, runtimeEvaluationOutput[f]))
            worst = max(worst, abs(feature.runningMean - Double(runtimeRunningMean[f])), abs(feature.runningVariance - Double(runtimeRunningVariance[f])))
        }
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        self.batches = batches
        self.maxAbsDifference = worst
    }
}
