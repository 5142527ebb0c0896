/// `no-groups`: every grouped convolution (`groups > 1`, depthwise ones included) becomes an
/// ungrouped one: each output channel then reads all input channels, so weights and MACs grow by
/// the factor `groups` (what AlexNet would cost on one GPU).
///
/// Preserved: every shape, channel count, kernel, stride and the receptive field.
struct NoGroups: ArchitectureRewrite {
    func rewrite(_ body: Sequential, input: Shape) throws -> RewriteOutcome {
        var changes: [String] = []
        let (rewritten, _) = try LayerTree.map(body, input: input, path: "") { site in
            guard var conv = site.layer as? Conv2d, conv.groups > 1 else { return nil }
            changes.append("\(site.path) groups \(conv.groups) → 1")
            conv.groups = 1
            return [conv]
        }
        guard !changes.isEmpty else { return .unchanged(reason: "no convolution is grouped") }
        return .changed(rewritten, changes)
    }
}
