/// `bottleneck=N`: before every convolution whose kernel is at least 3 along some axis and whose
/// input has more than N channels, a 1×1 convolution to N channels (with the original's bias
/// setting) and an activation are inserted; the convolution then reads N channels.
///
/// Preserved: every output shape and the receptive field (a 1×1 convolution adds none).
/// The activation is the one that follows the convolution (ReLU, Tanh or Sigmoid, looking past
/// one batch norm), else ReLU. Names: `conv3x3` → `conv3x3_reduce`, `conv3x3_reduce_relu`.
/// Skipped: convolutions with a connection table, and grouped ones whose groups do not divide N.
struct Bottleneck: ArchitectureRewrite {
    let channels: Int

    func rewrite(_ body: Sequential, input: Shape) throws -> RewriteOutcome {
        var changes: [String] = []
        var skipped: [String] = []
        let (rewritten, _) = try LayerTree.map(body, input: input, path: "") { site in
            guard var conv = site.layer as? Conv2d, max(conv.kernel.height, conv.kernel.width) >= 3,
                  conv.connectionTable == nil, site.input.rank == 3 else { return nil }
            let c = site.input.dimensions[0]
            guard c > channels else { return nil }
            guard channels % conv.groups == 0 else {
                skipped.append("\(site.path) (groups=\(conv.groups) does not divide \(channels))")
                return nil
            }
            let reduceName = site.names.fresh("\(conv.name)_reduce")
            let reduce = Conv2d(reduceName, inChannels: c, outChannels: channels, kernel: Size2(1), bias: conv.bias)
            let activation = InsertedActivation.make(after: site, name: site.names.fresh("\(reduceName)_\(InsertedActivation.suffix(after: site))"))
            if conv.inChannels != nil { conv.inChannels = channels }
            changes.append("\(reduceName) 1×1 \(c)→\(channels) before \(site.path) (\(conv.kernel.height)×\(conv.kernel.width))")
            return [reduce, activation, conv]
        }
        guard !changes.isEmpty else {
            var reason = "no convolution with a kernel side ≥ 3 has more than \(channels) input channels"
            if !skipped.isEmpty { reason += " (skipped: \(skipped.joined(separator: ", ")))" }
            return .unchanged(reason: reason)
        }
        if !skipped.isEmpty { changes.append("skipped \(skipped.joined(separator: ", "))") }
        return .changed(rewritten, changes)
    }
}
