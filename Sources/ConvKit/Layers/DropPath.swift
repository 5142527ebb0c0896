import ConvKitKernels

/// Stochastic depth (Huang et al. 2016), torchvision's `StochasticDepth(p, mode="row")`: in
/// training each example's whole tensor is zeroed with probability `p` and otherwise scaled by
/// `1/(1−p)`; in evaluation it is the identity. Any shape. Put on a residual branch before the sum,
/// it drops the branch for that example.
///
/// Costs: units only, like dropout. Receptive field and positions unchanged.
/// Backward: ∂L/∂x = ∂L/∂y times the same per-example factor.
public struct DropPath: ElementwiseLayer, InstantiableLayer {
    public var name: String
    /// Probability of dropping an example's path, in [0, 1).
    public var probability: Double
    public var kind: String { "DropPath" }
    public init(_ name: String, probability: Double) {
        self.name = name
        self.probability = probability
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        if let problem = Dropout.probabilityProblem(probability) {
            throw ConvKitError.invalidLayer(layer: path, reason: "drop-path probability " + problem)
        }
        return input
    }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        DropPathRuntime(path: path, shape: try outputShape(for: input, path: path), probability: Float(probability))
    }
}

/// Training: one draw per example from the context's generator (u < p drops it); y = x·factor,
/// factor 0 or 1/(1−p). Evaluation, or p = 0: y = x.
final class DropPathRuntime: StatelessRuntime {
    let path: String
    let shape: Shape
    let probability: Float
    private var factors: [Float] = []
    private var wasTraining = false
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])

    init(path: String, shape: Shape, probability: Float) {
        self.path = path
        self.shape = shape
        self.probability = probability
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(shape, path: path)
        wasTraining = context.training && probability > 0
        guard wasTraining else { return x }
        let keep = 1 / (1 - probability)
        factors = (0..<x.batch).map { _ in context.random.nextUniform() < probability ? 0 : keep }
        var y = reuse(&outputBuffer, shape: x.shape)
        multiplyPlanes(x.storage, scales: factors, planes: x.batch, planeSize: x.count / max(x.batch, 1), y: &y.storage, threads: context.threads)
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(shape, path: path)
        guard wasTraining else { return dy }
        var dx = reuse(&gradientBuffer, shape: dy.shape)
        multiplyPlanes(dy.storage, scales: factors, planes: dy.batch, planeSize: dy.count / max(dy.batch, 1), y: &dx.storage, threads: context.threads)
        gradientBuffer = dx
        return dx
    }
}

extension DropPath: SpecKind {
    static let specType = "droppath"
    static let specAliases = ["stochasticdepth"]
    static let specPrefix = "droppath"
    static var specKeys: [SpecKey<DropPath>] {
        [.number("p", \.probability, .required, rule: Dropout.probabilityProblem, doc: "probability of dropping an example's path in training")]
    }
    static func specBlank(named name: String) -> DropPath { DropPath(name, probability: 0.2) }
    static var specExample: (layer: DropPath, input: Shape) { (DropPath("droppath", probability: 0.3), [2, 3, 3]) }
}
