/// Flattens `C×H×W` to `C·H·W` features (PyTorch's `nn.Flatten()`, C-major order).
///
/// Receptive field: a flattened unit sees the whole remaining `H×W` map, so the field grows as
/// through a window covering it: `r = r_in + (H−1)·j_in`, jump `j_in·H`.
public struct Flatten: LeafLayer {
    public var name: String
    public var kind: String { "Flatten" }
    public init(_ name: String) { self.name = name }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        [try input.elementCount()]
    }
    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        try LayerCost.elementwise(output: output)
    }
    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        guard input.rank == 3 else { return field }
        let (h, w) = (input.dimensions[1], input.dimensions[2])
        return try field.through(effectiveKernel: (h, w), stride: (h, w))
    }
    /// A flattened unit has no position on a map: no position rule.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        throw noPositionRule(kind, path: path)
    }
}

extension Flatten: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        FlattenRuntime(path: path, input: input, output: try outputShape(for: input, path: path))
    }
}

/// A reshape: `[N, C, H, W]` ↔ `[N, C·H·W]`; no data moves.
final class FlattenRuntime: StatelessRuntime {
    let path: String
    let input: Shape, output: Shape
    init(path: String, input: Shape, output: Shape) {
        self.path = path
        self.input = input
        self.output = output
    }
    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        return try x.reshaped([x.batch] + output.dimensions)
    }
    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        return try dy.reshaped([dy.batch] + input.dimensions)
    }
}

extension Flatten: SpecKind {
    static let specType = "flatten"
    static let specPrefix = "flatten"
    static var specKeys: [SpecKey<Flatten>] { [] }
    static func specBlank(named name: String) -> Flatten { Flatten(name) }
    static var specExample: (layer: Flatten, input: Shape) { (Flatten("flatten"), [3, 4, 5]) }
}
