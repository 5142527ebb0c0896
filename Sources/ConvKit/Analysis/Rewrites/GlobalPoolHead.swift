/// `global-pool-head`: the fully connected head after the last convolution — from the first
/// top-level `Flatten` after it (and an adaptive average pool right before that flatten) to
/// the end, dropout and activations included — becomes `gap` (global average pooling,
/// `AdaptiveAvgPool2d` to 1×1), `flatten` and one linear layer `fc` from the channels to the same
/// number of classes (with a bias if the old last linear layer had one).
///
/// Preserved: every layer up to and including the last convolution's activation and pooling,
/// and the class count. Not applicable when no top-level flatten with linear layers follows the
/// last convolution, or when the head is already global pooling and one linear layer.
struct GlobalPoolHead: ArchitectureRewrite {
    func rewrite(_ body: Sequential, input: Shape) throws -> RewriteOutcome {
        let items = body.layers
        guard let lastConv = items.lastIndex(where: { LayerTree.contains($0) { $0 is Conv2d } }) else {
            return .unchanged(reason: "it has no convolution")
        }
        guard let flatten = items.indices.first(where: { $0 > lastConv && items[$0] is Flatten }) else {
            return .unchanged(reason: "no flatten layer follows the last convolution at the top level of the model")
        }
        let linears = items[flatten...].flatMap(LayerTree.leaves).compactMap { $0 as? Linear }
        guard let lastLinear = linears.last else {
            return .unchanged(reason: "no fully connected layer follows the last convolution")
        }
        let start = flatten - 1 > lastConv && items[flatten - 1] is AdaptiveAvgPool2d ? flatten - 1 : flatten
        // inputs[i]: the input shape of items[i], up to the flatten.
        var inputs: [Shape] = []
        var shape = input
        for layer in items[..<flatten] {
            inputs.append(shape)
            shape = try layer.outputShape(for: shape, path: layer.name)
        }
        inputs.append(shape)
        let headInput = inputs[start], flattenInput = inputs[flatten]
        guard headInput.rank == 3 else {
            return .unchanged(reason: "the layers before the head do not produce C×H×W feature maps")
        }
        let output = try body.outputShape(for: input, path: "")
        guard output.rank == 1 else { return .unchanged(reason: "its output \(output) is not a vector of classes") }
        if linears.count == 1 && flattenInput.rank == 3 && flattenInput.dimensions[1] == 1 && flattenInput.dimensions[2] == 1 {
            return .unchanged(reason: "it already ends in global pooling and one linear layer")
        }
        // The removed layers' rows, for the note (their MACs).
        var removed: [SummaryRow] = []
        _ = try Sequential(name: "", Array(items[start...])).analyze(AnalysisState(shape: headInput), path: "", into: &removed)
        let names = NameAllocator(taken: items[..<start].map(\.name))
        let channels = headInput.dimensions[0], classes = output.dimensions[0]
        let head: [any Layer] = [
            AdaptiveAvgPool2d(names.fresh("gap"), outputSize: Size2(1)),
            Flatten(names.fresh(items[flatten].name)),
            Linear(names.fresh("fc"), channels, classes, bias: lastLinear.bias),
        ]
        let removedMACs = try removed.reduce(0) { try Checked.add($0, $1.cost.macs.value, "MACs of the removed head") }
        let addedMACs = try Checked.multiply(channels, classes, "MACs of the new head")
        let removedLinear = removed.filter { $0.kind == "Linear" }.map(\.name)
        let changes = [
            "removed \(items[start...].map(\.name).joined(separator: ", ")) (linear \(removedLinear.joined(separator: ", ")): \(removedMACs.grouped) MACs)",
            "added \(head.map(\.name).joined(separator: ", ")) (global average pooling of \(headInput), Linear \(channels)→\(classes): \(addedMACs.grouped) MACs)",
        ]
        let rewritten = Sequential(name: body.name, Array(items[..<start]) + head)
        _ = try rewritten.outputShape(for: input, path: "")
        return .changed(rewritten, changes)
    }
}
