/// Parallel branches on the same input, joined along channels (an Inception module).
///
/// Every branch must produce `C_i×H×W` with the same `H×W`; the output is `(Σ C_i)×H×W`.
/// The summary lists each branch's layers, then one `Concat` row for the join, whose units are
/// the concatenated output (a new tensor; no parameters, MACs or connections). Receptive field:
/// the largest branch field (and largest jump) per axis.
public struct Concat: Layer {
    public var name: String
    public var branches: [Sequential]
    public var kind: String { "Concat" }

    public init(name: String, branches: [Sequential]) {
        self.name = name
        self.branches = branches
    }

    private func join(_ outputs: [Shape], path: String) throws -> Shape {
        guard let first = outputs.first else {
            throw ConvKitError.invalidLayer(layer: path, reason: "concat needs at least one branch")
        }
        var channels = 0
        for (branch, shape) in zip(branches, outputs) {
            guard shape.rank == 3, shape.dimensions[1...] == first.dimensions[1...] else {
                throw ConvKitError.shapeMismatch(layer: joinPath(path, branch.name),
                                                 expected: "C×\(first.dimensions.dropFirst().map(String.init).joined(separator: "×")) like the first branch",
                                                 found: shape.description)
            }
            channels = try Checked.add(channels, shape.dimensions[0], "channels of \(path)")
        }
        return [channels, first.dimensions[1], first.dimensions[2]]
    }

    private func checkNames(path: String) throws {
        var seen = Set<String>()
        for branch in branches where !seen.insert(branch.name).inserted {
            throw ConvKitError.invalidLayer(layer: path, reason: "two branches are named '\(branch.name)'")
        }
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try checkNames(path: path)
        return try join(try branches.map { try $0.outputShape(for: input, path: joinPath(path, $0.name)) }, path: path)
    }

    public func analyze(_ state: AnalysisState, path: String, into rows: inout [SummaryRow]) throws -> AnalysisState {
        try checkNames(path: path)
        var outputs: [Shape] = []
        var field: ReceptiveField?
        for branch in branches {
            let after = try branch.analyze(state, path: joinPath(path, branch.name), into: &rows)
            outputs.append(after.shape)
            field = field.map { $0.union(after.field) } ?? after.field
        }
        let output = try join(outputs, path: path)
        let joined = field ?? state.field
        let channels = outputs.map { String($0.dimensions[0]) }.joined(separator: " + ")
        rows.append(SummaryRow(name: path.isEmpty ? "concat" : path, kind: kind, input: state.shape, output: output,
                               cost: try LayerCost.elementwise(output: output), field: joined,
                               shapeNotes: ["C' = \(channels) = \(output.dimensions[0])"]))
        return AnalysisState(shape: output, field: joined)
    }
}

extension Concat: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        var runtimes: [any LayerRuntime] = []
        var channels: [Int] = []
        for branch in branches {
            let branchPath = joinPath(path, branch.name)
            runtimes.append(try branch.makeRuntime(input: input, path: branchPath, random: &random))
            channels.append(try branch.outputShape(for: input, path: branchPath).dimensions[0])
        }
        return ConcatRuntime(path: path, input: input, output: output, branches: runtimes, channels: channels)
    }
}

/// Forward: every branch on the same input, outputs copied side by side along channels.
/// Backward: ∂L/∂output split by channels, each branch run backward, input gradients summed.
final class ConcatRuntime: LayerRuntime {
    let path: String
    let input: Shape, output: Shape
    let branches: [any LayerRuntime]
    let channels: [Int]
    var parameters: [Parameter] { branches.flatMap(\.parameters) }

    init(path: String, input: Shape, output: Shape, branches: [any LayerRuntime], channels: [Int]) {
        self.path = path
        self.input = input
        self.output = output
        self.branches = branches
        self.channels = channels
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        let spatial = output.dimensions[1] * output.dimensions[2]
        let total = output.dimensions[0]
        var y = Tensor(shape: [x.batch] + output.dimensions)
        var offset = 0
        for (branch, c) in zip(branches, channels) {
            let part = try branch.forward(x, &context)
            for image in 0..<x.batch {
                let source = image * c * spatial, target = (image * total + offset) * spatial
                y.storage.replaceSubrange(target..<(target + c * spatial), with: part.storage[source..<(source + c * spatial)])
            }
            offset += c
        }
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        let spatial = output.dimensions[1] * output.dimensions[2]
        let total = output.dimensions[0]
        var dx = Tensor(shape: [dy.batch] + input.dimensions)
        var offset = 0
        for (branch, c) in zip(branches, channels) {
            var part = Tensor(shape: [dy.batch, c, output.dimensions[1], output.dimensions[2]])
            for image in 0..<dy.batch {
                let source = (image * total + offset) * spatial, target = image * c * spatial
                part.storage.replaceSubrange(target..<(target + c * spatial), with: dy.storage[source..<(source + c * spatial)])
            }
            let g = try branch.backward(part, &context)
            for i in 0..<dx.count { dx.storage[i] += g.storage[i] }
            offset += c
        }
        return dx
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
            SpecKey(name: "branches", requirement: .required, typeText: "list of {name, layers}",
                    doc: "branches on the same input, joined along channels; names default to branch1, branch2, …",
                    decode: { node, concat, context in
                        let items = try node.list("branches")
                        guard !items.isEmpty else { throw node.error("concat needs at least one branch") }
                        for (index, item) in items.enumerated() {
                            let branch = try item.mapping("a concat branch")
                            try branch.finish(allowed: ["name", "layers"])
                            let name = try branch.value("name")?.string("name") ?? "branch\(index + 1)"
                            let layers = try context.layers(try branch.required("layers"), what: "layers of branch '\(name)'")
                            concat.branches.append(Sequential(name: name, layers))
                        }
                    },
                    encode: { concat in .branches(concat.branches.map { ($0.name, $0.layers) }) }),
        ]
    }
}
