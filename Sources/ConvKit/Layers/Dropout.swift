/// Inverted dropout: in training each element is zeroed with probability `p` and the rest are
/// scaled by `1/(1−p)`; in evaluation it is the identity. Element-wise on any shape.
public struct Dropout: ElementwiseLayer {
    public var name: String
    /// Probability of zeroing an element, in [0, 1).
    public var probability: Double
    public var kind: String { "Dropout" }
    public init(_ name: String, probability: Double = 0.5) {
        self.name = name
        self.probability = probability
    }
    public func outputShape(for input: Shape, path: String) throws -> Shape {
        if let problem = Self.probabilityProblem(probability) {
            throw ConvKitError.invalidLayer(layer: path, reason: "dropout probability " + problem)
        }
        return input
    }

    /// What is wrong with a dropout probability (it must be in [0, 1)), or `nil`.
    static func probabilityProblem(_ p: Double) -> String? { p >= 0 && p < 1 ? nil : "must be in [0, 1), found \(p)" }
}

extension Dropout: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        DropoutRuntime(path: path, shape: try outputShape(for: input, path: path), probability: Float(probability))
    }
}

/// Training: y = x·m/(1−p) with m ~ Bernoulli(1−p) from the context's generator; evaluation: y = x.
final class DropoutRuntime: StatelessRuntime {
    let path: String
    let shape: Shape
    let probability: Float
    private var scaledMask: [Float] = []
    private var wasTraining = false
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
        if scaledMask.count != x.count { scaledMask = [Float](repeating: 0, count: x.count) }
        var y = x
        for i in 0..<x.count {
            scaledMask[i] = context.random.nextUniform() < probability ? 0 : keep
            y.storage[i] *= scaledMask[i]
        }
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        guard wasTraining else { return dy }
        var dx = dy
        for i in 0..<dx.count { dx.storage[i] *= scaledMask[i] }
        return dx
    }
}

extension Dropout: SpecKind {
    static let specType = "dropout"
    static let specPrefix = "dropout"
    static func specBlank(named name: String) -> Dropout { Dropout(name) }
    static var specExample: (layer: Dropout, input: Shape) { (Dropout("dropout", probability: 0.25), [3, 2, 2]) }
    static var specKeys: [SpecKey<Dropout>] {
        [.number("p", \.probability, .optionalAlwaysWritten, rule: probabilityProblem, doc: "probability of zeroing an element in training")]
    }
}
