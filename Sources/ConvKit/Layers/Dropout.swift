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
        guard probability >= 0, probability < 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "dropout probability must be in [0, 1), found \(probability)")
        }
        return input
    }
}
