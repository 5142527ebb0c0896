/// Fully connected layer `y = W·x + b` on a feature vector; weight `[out, in]`, bias `[out]`.
///
/// Costs: weights = in·out; MACs = in·out; connections = MACs + out with a bias.
/// The input must be 1-D (insert a ``Flatten`` after convolutions).
public struct Linear: LeafLayer {
    public var name: String
    /// Expected input features; `nil` means "whatever the input has" (checked when given).
    public var inFeatures: Int?
    public var outFeatures: Int
    public var bias: Bool
    public var kind: String { "Linear" }

    public init(_ name: String, _ inFeatures: Int?, _ outFeatures: Int, bias: Bool = true) {
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.bias = bias
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        guard input.rank == 1 else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "a feature vector (insert a flatten layer before it)", found: input.description)
        }
        if let expected = inFeatures, expected != input.dimensions[0] {
            throw ConvKitError.shapeMismatch(layer: path, expected: "\(expected) input features", found: "\(input.dimensions[0])")
        }
        guard outFeatures > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "out_features must be positive, found \(outFeatures)")
        }
        return [outFeatures]
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let units = Count(outFeatures, formula: outFeatures.grouped)
        let weights = try Count.product([outFeatures, input.dimensions[0]], "weights of \(path)")
        let macs = weights
        return LayerCost(units: units, weights: weights, biases: bias ? units : .zero, macs: macs,
                         connections: try LayerCost.weightedConnections(macs: macs, units: units, hasBias: bias))
    }
}
