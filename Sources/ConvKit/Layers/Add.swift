import ConvKitKernels

/// Element-wise sum of two or more inputs of identical shape, `y = x₁ + x₂ + …` (a residual
/// connection's merge). It reads the layers named by its ``Sequential/inputs``.
///
/// Costs: units = output elements; no parameters and 0 MACs (an addition is not a
/// multiply-accumulate); connections = the inputs' element count (k·units for k inputs: each
/// output unit is wired to one element of every input, as in LeCun's convention). Receptive
/// field and jump: the largest over the inputs, per axis. Backward: ∂L/∂xₖ = ∂L/∂y for every input.
public struct Add: MergeLayer, InstantiableLayer {
    public var name: String
    public var kind: String { "Add" }

    public init(_ name: String) { self.name = name }

    public func outputShape(for inputs: [Shape], path: String) throws -> Shape {
        guard inputs.count >= 2 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "add needs two or more inputs, found \(inputs.count) (name them with 'inputs:')")
        }
        for shape in inputs.dropFirst() where shape != inputs[0] {
            throw ConvKitError.shapeMismatch(layer: path, expected: "inputs of identical shape",
                                             found: inputs.map(\.description).joined(separator: " and "))
        }
        return inputs[0]
    }

    public func cost(inputs: [Shape], output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let connections = try Count.product([(inputs.count, "\(inputs.count) inputs"), (units.value, "\(units.value.grouped) units")],
                                            "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    public func shapeFormula(inputs: [Shape], output: Shape) -> [String] {
        ["y = " + (1...inputs.count).map { "x\($0)" }.joined(separator: " + ") + " (\(output) each)"]
    }

    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField { field }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try makeMergeRuntime(inputs: [input], path: path)
    }

    public func makeMergeRuntime(inputs: [Shape], path: String) throws -> any MergeRuntime {
        AddRuntime(path: path, inputs: inputs.count, shape: try outputShape(for: inputs, path: path))
    }
}

/// Forward: y = x₁, then y += xₖ in input order. Backward: the same ∂L/∂y to every input
/// (llm.c's residual backward: `dinp1[i] += dout[i]; dinp2[i] += dout[i]`, the sums done by the graph).
final class AddRuntime: MergeRuntime, StatelessRuntime {
    let path: String
    let inputs: Int
    let shape: Shape
    private var outputBuffer = Tensor(shape: [0])

    init(path: String, inputs: Int, shape: Shape) {
        self.path = path
        self.inputs = inputs
        self.shape = shape
    }

    func forward(_ xs: [Tensor], _ context: inout RunContext) throws -> Tensor {
        guard xs.count == inputs else {
            throw ConvKitError.invalidLayer(layer: path, reason: "expected \(inputs) inputs, found \(xs.count)")
        }
        for x in xs { try x.requireShape(shape, path: path) }
        var y = reuse(&outputBuffer, shape: xs[0].shape)
        copyElements(xs[0].storage, from: 0, into: &y.storage, at: 0, count: xs[0].count)
        for x in xs.dropFirst() { addElements(x.storage, into: &y.storage) }
        outputBuffer = y
        return y
    }

    func backward(merging dy: Tensor, _ context: inout RunContext) throws -> [Tensor] {
        try dy.requireShape(shape, path: path)
        return Array(repeating: dy, count: inputs)
    }
}

extension Add: SpecKind {
    static let specType = "add"
    static let specPrefix = "add"
    static var specKeys: [SpecKey<Add>] { [] }
    static func specBlank(named name: String) -> Add { Add(name) }
    static var specExample: (layer: Add, input: Shape) { (Add("add"), [2, 3, 3]) }
}

extension Add {
    /// (k − 1) additions per output element for k inputs.
    public func countedOperations(inputs: [Shape], output: Shape) throws -> [CountedOperation: Count] {
        let units = try output.elementCount()
        return [.add: try Count.product([(inputs.count - 1, "(\(inputs.count)−1)"), (units, units.grouped)], "additions")]
    }
}
