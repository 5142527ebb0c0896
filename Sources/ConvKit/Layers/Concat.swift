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
