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

    public init(_ name: String, _ dimensions: Dimensions, features: Int? = nil, epsilon: Double = 1e-5,
                momentum: Double = 0.1, affine: Bool = true) {
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
        guard epsilon > 0 else { throw ConvKitError.invalidLayer(layer: path, reason: "eps must be positive, found \(epsilon)") }
        guard momentum >= 0, momentum <= 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "momentum must be in [0, 1], found \(momentum)")
        }
        return input
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
}
