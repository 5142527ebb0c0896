import ConvKitKernels

/// Batch normalization over channels (`BatchNorm2d`, input `C×H×W`) or features
/// (`BatchNorm1d`, input `F`): `y = γ·(x − μ)/√(σ² + ε) + β`.
///
/// Training normalises with the biased batch variance and updates running statistics with
/// momentum 0.1 (running variance unbiased); evaluation uses the running statistics.
/// Costs: γ counts as `C` weights and β as `C` biases when `affine`; running mean/variance are
/// buffers, not parameters; no MACs or connections (element-wise).
public struct BatchNorm: LeafLayer {
    public enum Dimensions: String, Sendable { case one = "BatchNorm1d", two = "BatchNorm2d" }
    public var name: String
    public var dimensions: Dimensions
    /// Expected channels/features; `nil` means "whatever the input has".
    public var features: Int?
    public var epsilon: Double
    public var momentum: Double
    public var affine: Bool
    public var kind: String { dimensions.rawValue }

    /// PyTorch's default ε, 1e-5.
    public static let defaultEpsilon = 1e-5
    /// PyTorch's default momentum of the running statistics, 0.1.
    public static let defaultMomentum = 0.1

    public init(_ name: String, _ dimensions: Dimensions, features: Int? = nil, epsilon: Double = BatchNorm.defaultEpsilon,
                momentum: Double = BatchNorm.defaultMomentum, affine: Bool = true) {
        self.name = name
        self.dimensions = dimensions
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        self.affine = affine
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        switch dimensions {
        case .two: try requireRank(input, 3, path: path, expected: "C×H×W (BatchNorm2d)")
        case .one: try requireRank(input, 1, path: path, expected: "a feature vector (BatchNorm1d)")
        }
        if let expected = features, expected != input.dimensions[0] {
            throw ConvKitError.shapeMismatch(layer: path, expected: "\(expected) channels", found: "\(input.dimensions[0]) (input \(input))")
        }
        if let problem = Self.epsilonProblem(epsilon) { throw ConvKitError.invalidLayer(layer: path, reason: "eps " + problem) }
        if let problem = Self.momentumProblem(momentum) { throw ConvKitError.invalidLayer(layer: path, reason: "momentum " + problem) }
        return input
    }

    /// What is wrong with ε (it must be positive), or `nil`.
    static func epsilonProblem(_ epsilon: Double) -> String? { epsilon > 0 ? nil : "must be positive, found \(epsilon)" }

    /// What is wrong with the momentum (it must be in [0, 1]), or `nil`.
    static func momentumProblem(_ momentum: Double) -> String? {
        (0...1).contains(momentum) ? nil : "must be in [0, 1], found \(momentum)"
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        var cost = try LayerCost.elementwise(output: output)
        if affine {
            let c = input.dimensions[0]
            cost.weights = Count(c, formula: "\(c.grouped) (γ)")
            cost.biases = Count(c, formula: "\(c.grouped) (β)")
        }
        return cost
    }

    /// Output (i, j) reads input (i, j): normalisation is per channel, position by position.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask { mask }
}

extension BatchNorm: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        _ = try outputShape(for: input, path: path)
        let c = input.dimensions[0]
        var parameters: [Parameter] = []
        if affine {
            parameters.append(Parameter(name: joinPath(path, "weight"), value: Tensor(shape: [c], repeating: 1)))
            parameters.append(Parameter(name: joinPath(path, "bias"), value: Tensor(shape: [c], repeating: 0)))
        }
        parameters.append(Parameter(name: joinPath(path, "running_mean"), value: Tensor(shape: [c], repeating: 0), isTrainable: false))
        parameters.append(Parameter(name: joinPath(path, "running_var"), value: Tensor(shape: [c], repeating: 1), isTrainable: false))
        parameters.append(Parameter(name: joinPath(path, "num_batches_tracked"), value: Tensor(shape: [], repeating: 0),
                                    isTrainable: false, storageType: .int64))
        return BatchNormRuntime(path: path, shape: input, layer: self, parameters: parameters)
    }
}

/// Batch normalization over `[N, C, …]`, statistics per channel over the N·S values (S = H·W,
/// or 1 for BatchNorm1d), by the kernels ``batchNormForward`` and ``batchNormBackward``. Sums are
/// taken in Double (4 lanes per row of S values, rows in image order); channels are split between threads.
/// Training: x̂ = (x − μ_B)/√(σ²_B + ε) with the biased batch variance; running_mean ←
/// (1−m)·running_mean + m·μ_B and running_var ← (1−m)·running_var + m·σ²_B·n/(n−1).
/// Backward (training): dx = γ/(n·√(σ²_B + ε)) · (n·dy − Σdy − x̂·Σ(dy·x̂)); evaluation: dx = γ·dy/√(var + ε).
final class BatchNormRuntime: LayerRuntime {
    let path: String
    let shape: Shape
    let layer: BatchNorm
    let parameters: [Parameter]
    private var normalized: [Float] = []
    private var inverseStd: [Float] = []
    private var trainedStatistics = false
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])

    init(path: String, shape: Shape, layer: BatchNorm, parameters: [Parameter]) {
        self.path = path
        self.shape = shape
        self.layer = layer
        self.parameters = parameters
    }

    private var gamma: Parameter? { layer.affine ? parameters[0] : nil }
    private var beta: Parameter? { layer.affine ? parameters[1] : nil }
    private var runningMean: Parameter { parameters[layer.affine ? 2 : 0] }
    private var runningVariance: Parameter { parameters[layer.affine ? 3 : 1] }
    private var batchesTracked: Parameter { parameters[layer.affine ? 4 : 2] }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(shape, path: path)
        let (n, c) = (x.batch, shape.dimensions[0])
        let spatial = shape.dimensions.dropFirst().reduce(1, *)
        let count = n * spatial
        trainedStatistics = context.training
        if context.training && count < 2 {
            throw ConvKitError.shapeMismatch(layer: path, expected: "more than 1 value per channel in training (batch size ≥ 2)", found: "\(count)")
        }
        var y = reuse(&outputBuffer, shape: x.shape)
        if normalized.count != x.count { normalized = [Float](repeating: 0, count: x.count) }
        if inverseStd.count != c { inverseStd = [Float](repeating: 0, count: c) }
        let eps = layer.epsilon, momentum = layer.momentum
        let training = context.training
        // Per channel (channels split between threads; each channel's work is independent):
        // statistics (training) or running statistics, then x̂ and y = γ·x̂ + β. Sums run in
        // 4 Double lanes per row of S values, rows added in image order.
        var means = [Double](repeating: 0, count: c), variances = [Double](repeating: 0, count: c)
        if !training {
            for channel in 0..<c {
                means[channel] = Double(runningMean.value.storage[channel])
                variances[channel] = Double(runningVariance.value.storage[channel])
            }
        }
        let chunks = elementwiseChunks(x.count, threads: context.threads, items: c)
        batchNormForward(x.storage, batch: n, channels: c, spatial: spatial, training: training, epsilon: eps,
                         gamma: gamma?.value.storage, beta: beta?.value.storage, mean: &means, variance: &variances,
                         inverseStd: &inverseStd, normalized: &normalized, y: &y.storage, chunks: chunks, threads: context.threads)
        if training {
            for channel in 0..<c {
                let rm = Double(runningMean.value.storage[channel]), rv = Double(runningVariance.value.storage[channel])
                runningMean.value.storage[channel] = Float((1 - momentum) * rm + momentum * means[channel])
                runningVariance.value.storage[channel] = Float((1 - momentum) * rv + momentum * variances[channel] * Double(count) / Double(count - 1))
            }
        }
        if training { batchesTracked.value.storage[0] += 1 }
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(shape, path: path)
        let (n, c) = (dy.batch, shape.dimensions[0])
        let spatial = shape.dimensions.dropFirst().reduce(1, *)
        var dx = reuse(&gradientBuffer, shape: dy.shape)
        var sumsDy = [Double](repeating: 0, count: c), sumsDyXhat = [Double](repeating: 0, count: c)
        let chunks = elementwiseChunks(dy.count, threads: context.threads, items: c)
        batchNormBackward(dy.storage, normalized: normalized, inverseStd: inverseStd, gamma: gamma?.value.storage,
                          batch: n, channels: c, spatial: spatial, batchStatistics: trainedStatistics,
                          sumDy: &sumsDy, sumDyXhat: &sumsDyXhat, dx: &dx.storage, chunks: chunks, threads: context.threads)
        for channel in 0..<c {
            if let gamma { gamma.gradient.storage[channel] += Float(sumsDyXhat[channel]) }
            if let beta { beta.gradient.storage[channel] += Float(sumsDy[channel]) }
        }
        gradientBuffer = dx
        return dx
    }
}

extension BatchNorm: SpecKind {
    static let specType = "batchnorm2d"
    static let specAliases = ["batchnorm"]
    static let specPrefix = "bn"
    static func specBlank(named name: String) -> BatchNorm { BatchNorm(name, .two) }
    static func specMatches(_ layer: BatchNorm) -> Bool { layer.dimensions == .two }
    static var specExample: (layer: BatchNorm, input: Shape) {
        (BatchNorm("bn", .two, features: 3, epsilon: 1e-3, momentum: 0.2, affine: false), [3, 4, 4])
    }
    /// `batchnorm1d`: the same keys, on feature vectors.
    static let oneDimensionalSpec = LayerKind(BatchNorm.self, type: "batchnorm1d", aliases: [], blank: { BatchNorm($0, .one) },
                                              matches: { $0.dimensions == .one },
                                              example: { (BatchNorm("bn", .one, features: 6, momentum: 0.5), [6]) })
    static var specKeys: [SpecKey<BatchNorm>] {
        [
            .checkedPositiveInt("num_features", \.features, doc: "channels or features, checked against the input when given"),
            .number("eps", \.epsilon, rule: epsilonProblem, doc: "ε added to the variance"),
            .number("momentum", \.momentum, rule: momentumProblem, doc: "weight of the batch in the running statistics"),
            .bool("affine", \.affine, doc: "learns a scale γ and shift β per channel"),
        ]
    }
}

extension BatchNorm {
    /// fvcore's and ptflops' count in evaluation: 2 per output element with γ and β, else 1.
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        let units = try output.elementCount()
        return [.bn: try Count.product(affine ? [(2, "2"), (units, units.grouped)] : [(units, units.grouped)], "batch-norm operations")]
    }
}
