import ConvKitKernels

/// Tensors joined along channels: parallel branches on the same input (an Inception module),
/// or, with no branches, the layers named by its ``Sequential/inputs`` in the enclosing list.
///
/// Every joined tensor must be `C_i×H×W` with the same `H×W`; the output is `(Σ C_i)×H×W`.
/// The summary lists each branch's layers, then one `Concat` row for the join, whose units are
/// the concatenated output (a new tensor; no parameters, MACs or connections). Receptive field:
/// the largest field (and largest jump) per axis over the joined tensors.
public struct Concat: LayerBlock {
    public var name: String
    /// The branches, each reading the concat's input; empty when the concat joins named inputs.
    public var branches: [Sequential]
    public var kind: String { "Concat" }

    public init(name: String, branches: [Sequential]) {
        self.name = name
        self.branches = branches
    }

    public var parts: [Sequential] { branches }

    public func replacingParts(_ parts: [Sequential]) -> Concat { Concat(name: name, branches: parts) }

    public func inputOfPart(_ index: Int, blockInput: Shape, earlierOutputs: [Shape]) -> Shape { blockInput }

    public func outputShape(forInputs inputs: [Shape], path: String) throws -> Shape {
        guard branches.isEmpty else { return try outputShape(for: inputs.first ?? [], path: path) }
        guard inputs.count >= 2 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "concat needs at least one branch, or two or more inputs")
        }
        return try ConcatJoin(name: name, branchPaths: []).outputShape(for: inputs, path: path)
    }

    public func expand(into graph: inout LayerGraph, inputs: [Int], path: String) throws -> Int {
        let join = ConcatJoin(name: name, branchPaths: branches.map { joinPath(path, $0.name) })
        let nodePath = path.isEmpty ? "concat" : path
        guard !branches.isEmpty else {
            guard inputs.count >= 2 else {
                throw ConvKitError.invalidLayer(layer: nodePath, reason: "concat needs at least one branch, or two or more inputs")
            }
            return graph.addNode(join, path: nodePath, inputs: inputs)
        }
        guard inputs.count == 1 else {
            throw ConvKitError.invalidLayer(layer: nodePath, reason: "a concat with branches reads one input, but \(inputs.count) are named")
        }
        var seen = Set<String>()
        for branch in branches where !seen.insert(branch.name).inserted {
            throw ConvKitError.invalidLayer(layer: path, reason: "two branches are named '\(branch.name)'")
        }
        var ends: [Int] = []
        for branch in branches {
            ends.append(try graph.add(branch, path: joinPath(path, branch.name), input: inputs[0]))
        }
        return graph.addNode(join, path: nodePath, inputs: ends, shownInput: inputs[0])
    }
}

extension Concat: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try SequentialRuntime(graph: try LayerGraph(block: self, path: path), input: input, random: &random)
    }
}

/// The join of a ``Concat``: its inputs side by side along channels.
struct ConcatJoin: MergeLayer, InstantiableLayer {
    var name: String
    /// The dotted name of each input's branch when the concat has branches (for error messages), else empty.
    var branchPaths: [String]
    var kind: String { "Concat" }

    func outputShape(for inputs: [Shape], path: String) throws -> Shape {
        guard let first = inputs.first else {
            throw ConvKitError.invalidLayer(layer: path, reason: "concat needs at least one branch")
        }
        var channels = 0
        for (index, shape) in inputs.enumerated() {
            guard shape.rank == 3, first.rank == 3, shape.dimensions[1...] == first.dimensions[1...] else {
                let what = index < branchPaths.count ? branchPaths[index] : path
                let expected = first.rank == 3 ? "C×\(first.dimensions.dropFirst().map(String.init).joined(separator: "×")) like the first \(branchPaths.isEmpty ? "input" : "branch")"
                    : "C×H×W inputs"
                throw ConvKitError.shapeMismatch(layer: what, expected: expected, found: shape.description)
            }
            channels = try Checked.add(channels, shape.dimensions[0], "channels of \(path)")
        }
        return [channels, first.dimensions[1], first.dimensions[2]]
    }

    func cost(inputs: [Shape], output: Shape, path: String) throws -> LayerCost { try LayerCost.elementwise(output: output) }

    func shapeFormula(inputs: [Shape], output: Shape) -> [String] {
        ["C' = \(inputs.map { String($0.dimensions[0]) }.joined(separator: " + ")) = \(output.dimensions[0])"]
    }

    func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField { field }

    func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try makeMergeRuntime(inputs: [input], path: path)
    }

    func makeMergeRuntime(inputs: [Shape], path: String) throws -> any MergeRuntime {
        ConcatRuntime(path: path, inputs: inputs, output: try outputShape(for: inputs, path: path))
    }
}

/// Forward: the inputs copied side by side along channels, image by image.
/// Backward: ∂L/∂output split by channels, one slice per input. The output and gradient buffers
/// are reused across steps (a dense block concatenates at every layer).
final class ConcatRuntime: MergeRuntime, StatelessRuntime {
    let path: String
    let inputs: [Shape], output: Shape
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffers: [Tensor]

    init(path: String, inputs: [Shape], output: Shape) {
        self.path = path
        self.inputs = inputs
        self.output = output
        gradientBuffers = inputs.map { _ in Tensor(shape: [0]) }
    }

    func forward(_ xs: [Tensor], _ context: inout RunContext) throws -> Tensor {
        for (x, shape) in zip(xs, inputs) { try x.requireShape(shape, path: path) }
        let n = xs.first?.batch ?? 0
        let spatial = output.dimensions[1] * output.dimensions[2]
        let total = output.dimensions[0]
        var y = reuse(&outputBuffer, shape: [n] + output.dimensions)
        var offset = 0
        for (part, shape) in zip(xs, inputs) {
            let c = shape.dimensions[0]
            for image in 0..<n {
                copyElements(part.storage, from: image * c * spatial, into: &y.storage, at: (image * total + offset) * spatial, count: c * spatial)
            }
            offset += c
        }
        outputBuffer = y
        return y
    }

    func backward(merging dy: Tensor, _ context: inout RunContext) throws -> [Tensor] {
        try dy.requireShape(output, path: path)
        let spatial = output.dimensions[1] * output.dimensions[2]
        let total = output.dimensions[0]
        var parts: [Tensor] = []
        var offset = 0
        for (index, shape) in inputs.enumerated() {
            let c = shape.dimensions[0]
            var part = reuse(&gradientBuffers[index], shape: [dy.batch] + shape.dimensions)
            for image in 0..<dy.batch {
                copyElements(dy.storage, from: (image * total + offset) * spatial, into: &part.storage, at: image * c * spatial, count: c * spatial)
            }
            gradientBuffers[index] = part
            parts.append(part)
            offset += c
        }
        return parts
    }
}

extension Concat: SpecKind {
    static let specType = "concat"
    static let specPrefix = "concat"
    /// `name: ""` puts the branches at the parent's level, as the zoo's Inception modules do.
    static var specAllowsEmptyName: Bool { true }
    static func specBlank(named name: String) -> Concat { Concat(name: name, branches: []) }
    static var specExample: (layer: Concat, input: Shape) {
        (Concat(name: "mix", branches: [Sequential(name: "a", [Conv2d("conv", 3, 2, kernel: 1)]),
                                        Sequential(name: "b", [MaxPool2d("pool", kernel: 3, stride: 1, padding: 1), ReLU("relu")])]),
         [3, 6, 6])
    }
    static var specKeys: [SpecKey<Concat>] {
        [
            SpecKey(name: "branches", requirement: .optional(default: "none"), typeText: "list of {name, layers}",
                    doc: "branches on the same input, joined along channels (names default to branch1, branch2, …); without branches, the layers named by `inputs`",
                    decode: { node, concat, context in
                        let items = try node.list("branches")
                        guard !items.isEmpty else { throw node.error("concat needs at least one branch") }
                        for (index, item) in items.enumerated() {
                            let branch = try item.mapping("a concat branch")
                            try branch.finish(allowed: ["name", "layers"])
                            let name = try branch.value("name")?.string("name") ?? "branch\(index + 1)"
                            let list = try context.layers(try branch.required("layers"), what: "layers of branch '\(name)'")
                            concat.branches.append(Sequential(name: name, list.layers, inputs: list.inputs))
                        }
                    },
                    encode: { concat in concat.branches.isEmpty ? nil : .branches(concat.branches) }),
        ]
    }
}
