/// The identity, `y = x`, on any shape (PyTorch's `nn.Identity`): a named place in a graph, e.g.
/// a layer other layers read by name. Element-wise: units only, no parameters or connections;
/// receptive field and positions unchanged; backward passes ∂L/∂y through.
public struct Identity: ElementwiseLayer, InstantiableLayer {
    public var name: String
    public var kind: String { "Identity" }
    public init(_ name: String) { self.name = name }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        IdentityRuntime(path: path, shape: input)
    }
}

/// Forward and backward return their argument (no copy).
final class IdentityRuntime: StatelessRuntime {
    let path: String
    let shape: Shape
    init(path: String, shape: Shape) {
        self.path = path
        self.shape = shape
    }
    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(shape, path: path)
        return x
    }
    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(shape, path: path)
        return dy
    }
}

extension Identity: SpecKind {
    static let specType = "identity"
    static let specPrefix = "identity"
    static var specKeys: [SpecKey<Identity>] { [] }
    static func specBlank(named name: String) -> Identity { Identity(name) }
    static var specExample: (layer: Identity, input: Shape) { (Identity("identity"), [2, 3, 3]) }
}
