import ConvKitKernels

/// Element-wise product of two inputs, `y = a ⊙ b`, where both have one shape, or one is `C×1×1`
/// and the other `C×H×W` (squeeze-and-excitation's scale, broadcast over the plane as PyTorch's
/// `scale * x`). It reads the layers named by its ``Sequential/inputs``.
///
/// Costs: units = output elements; no parameters and 0 MACs (ConvKit counts multiply-accumulates of
/// conv, linear and transposed conv only; fvcore skips `mul` too); connections = 2·units (each
/// output unit is wired to one element of each input). Receptive field: the largest over the inputs
/// (through the scale, every output sees what the squeeze saw: usually the whole image), with the
/// jump of the full-size input. Positions:
/// output (i, j) reads (i, j) of a full-size input and (0, 0) of a `C×1×1` one.
/// Backward: ∂L/∂a = ∂L/∂y ⊙ b, and for a broadcast input the sum over its plane, ∂L/∂s = Σ_ij ∂L/∂y ⊙ x.
public struct Mul: MergeLayer, InstantiableLayer {
    public var name: String
    public var kind: String { "Mul" }

    public init(_ name: String) { self.name = name }

    public func outputShape(for inputs: [Shape], path: String) throws -> Shape {
        guard inputs.count == 2 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "mul needs exactly two inputs, found \(inputs.count) (name them with 'inputs:')")
        }
        let (a, b) = (inputs[0], inputs[1])
        if a == b { return a }
        for (full, scale) in [(a, b), (b, a)] where Self.broadcasts(scale, onto: full) { return full }
        throw ConvKitError.shapeMismatch(layer: path, expected: "inputs of one shape, or C×1×1 and C×H×W with the same C",
                                         found: "\(a) and \(b)")
    }

    /// Whether `scale` is `C×1×1` and `full` is `C×H×W` with the same C.
    static func broadcasts(_ scale: Shape, onto full: Shape) -> Bool {
        scale.rank == 3 && full.rank == 3 && scale[0] == full[0] && scale[1] == 1 && scale[2] == 1
    }

    public func cost(inputs: [Shape], output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let connections = try Count.product([(2, "2 inputs"), (units.value, "\(units.value.grouped) units")], "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    public func shapeFormula(inputs: [Shape], output: Shape) -> [String] {
        guard inputs.count == 2, inputs[0] != inputs[1] else { return ["y = x1 ⊙ x2 (\(output) each)"] }
        return ["y = x1 ⊙ x2, the \(inputs[0] == output ? inputs[1] : inputs[0]) input broadcast over each \(output[1])×\(output[2]) plane"]
    }

    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField { field }

    /// Size: the largest over the inputs; jump: the full-size inputs' (neighbouring outputs are one
    /// step apart on those; a broadcast value has no neighbours, and its jump, after a global
    /// pooling as large as the map, would otherwise multiply into every later layer's).
    public func receptiveField(merging fields: [ReceptiveField], inputs: [Shape], path: String) throws -> ReceptiveField {
        let output = try outputShape(for: inputs, path: path)
        let full = zip(fields, inputs).filter { $0.1 == output }.map(\.0)
        let all = fields.dropFirst().reduce(fields[0]) { $0.union($1) }
        let spatial = full.dropFirst().reduce(full[0]) { $0.union($1) }
        // Per axis: the full-size input's jump with the largest size (with a fractional jump, whose
        // reach cannot be widened alone, the full-size input's field where it is the larger).
        func axis(_ mine: ReceptiveField.Axis, _ widest: ReceptiveField.Axis) -> ReceptiveField.Axis {
            guard mine.isWhole else { return mine.size >= widest.size ? mine : widest }
            return ReceptiveField.Axis(size: max(mine.size, widest.size), jump: mine.baseJump)
        }
        return ReceptiveField(height: axis(spatial.height, all.height), width: axis(spatial.width, all.width))
    }

    public func inputPositions(of mask: PixelMask, inputs: [Shape], output: Shape, path: String) throws -> [PixelMask?] {
        inputs.map { $0 == output ? mask : mask.collapsedToOrigin() }
    }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try makeMergeRuntime(inputs: [input], path: path)
    }

    public func makeMergeRuntime(inputs: [Shape], path: String) throws -> any MergeRuntime {
        let output = try outputShape(for: inputs, path: path)
        return MulRuntime(path: path, inputs: inputs, shape: output)
    }
}

/// Forward: y = s·x plane by plane (``multiplyPlanes(_:scales:planes:planeSize:y:threads:)``), with
/// `s` the broadcast input (or, for equal shapes, the second input and planes of one element).
/// Keeps both inputs for backward.
final class MulRuntime: MergeRuntime, StatelessRuntime, SavesActivations {
    let path: String
    let inputShapes: [Shape]
    let shape: Shape
    /// The index of the input multiplied in per plane (the `C×1×1` one, else 1).
    let scaleIndex: Int
    private var saved: [Tensor] = []
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffers = [Tensor(shape: [0]), Tensor(shape: [0])]

    init(path: String, inputs: [Shape], shape: Shape) {
        self.path = path
        inputShapes = inputs
        self.shape = shape
        scaleIndex = inputs[0] == shape ? 1 : 0
    }

    /// Per example: planes of the full input and elements per plane.
    private var planeSize: Int { inputShapes[scaleIndex] == shape ? 1 : shape[1] * shape[2] }

    func releaseSavedActivations() { saved = [] }

    func forward(_ xs: [Tensor], _ context: inout RunContext) throws -> Tensor {
        guard xs.count == 2 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "expected 2 inputs, found \(xs.count)")
        }
        for (x, s) in zip(xs, inputShapes) { try x.requireShape(s, path: path) }
        let (x, s) = (xs[1 - scaleIndex], xs[scaleIndex])
        var y = reuse(&outputBuffer, shape: x.shape)
        multiplyPlanes(x.storage, scales: s.storage, planes: s.count, planeSize: planeSize, y: &y.storage, threads: context.threads)
        outputBuffer = y
        saved = xs
        return y
    }

    func backward(merging dy: Tensor, _ context: inout RunContext) throws -> [Tensor] {
        try dy.requireShape(shape, path: path)
        guard saved.count == 2 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "backward without a forward pass")
        }
        let (x, s) = (saved[1 - scaleIndex], saved[scaleIndex])
        // ∂L/∂x = s ⊙ ∂L/∂y (s broadcast); ∂L/∂s = Σ over each plane of ∂L/∂y ⊙ x.
        var dx = reuse(&gradientBuffers[1 - scaleIndex], shape: x.shape)
        multiplyPlanes(dy.storage, scales: s.storage, planes: s.count, planeSize: planeSize, y: &dx.storage, threads: context.threads)
        var ds = reuse(&gradientBuffers[scaleIndex], shape: s.shape)
        planeDots(dy.storage, x.storage, planes: s.count, planeSize: planeSize, sums: &ds.storage, threads: context.threads)
        gradientBuffers[1 - scaleIndex] = dx
        gradientBuffers[scaleIndex] = ds
        var result = [Tensor(shape: [0]), Tensor(shape: [0])]
        result[1 - scaleIndex] = dx
        result[scaleIndex] = ds
        return result
    }
}

extension Mul: SpecKind {
    static let specType = "mul"
    static let specPrefix = "mul"
    static var specKeys: [SpecKey<Mul>] { [] }
    static func specBlank(named name: String) -> Mul { Mul(name) }
    static var specExample: (layer: Mul, input: Shape) { (Mul("mul"), [2, 3, 3]) }
}

extension Mul {
    /// One multiplication per output element.
    public func countedOperations(inputs: [Shape], output: Shape) throws -> [CountedOperation: Count] {
        let units = try output.elementCount()
        return [.add: Count(units, formula: units.grouped)]
    }
}
