/// Rectified linear unit, `y = max(0, x)`, element-wise on any shape.
public struct ReLU: ElementwiseLayer {
    public var name: String
    public var kind: String { "ReLU" }
    public init(_ name: String) { self.name = name }
}
