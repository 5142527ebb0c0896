/// `width=F`: every hidden convolution's (transposed ones too, ``ChannelMixing``) output channels and every hidden linear layer's output
/// units are multiplied by F and rounded with ``Rewrite/scaledCount(_:factor:multiple:)``
/// (`max(1, round(n·F))`, ties away from zero); the layers that read them follow (`in_channels`,
/// `in_features`, batch-norm features, the flattened size).
///
/// Kept as they are (pinned): the network input, and every layer whose output reaches the model
/// output without passing another convolution or linear layer (the class count, or every
/// branch end of a final Inception module); also a convolution with a connection table and the
/// layers feeding it (the table names input channels). A count read by a grouped convolution is
/// rounded to a multiple of its groups instead; a depthwise convolution (`groups` = input
/// channels) follows its input: groups and output channels scale with it.
///
/// Preserved: the input and output shapes, kernels, strides, paddings and the receptive field.
struct WidthMultiplier: ArchitectureRewrite {
    let factor: Double

    /// What the first pass learns about the convolutions and linear layers, by path.
    struct Plan {
        /// Layers whose output count stays.
        var pinned: Set<String> = []
        /// The multiple a layer's output count must be (lcm of the groups that read it).
        var multiple: [String: Int] = [:]
        /// Depthwise convolutions (groups = input channels > 1).
        var depthwise: Set<String> = []
        /// Each weighted layer's original input count (channels or features).
        var originalInput: [String: Int] = [:]
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    static func lcm(_ a: Int, _ b: Int) -> Int { a / gcd(a, b) * b }

    /// Stands for the network input among the producers (its channel count never changes).
    static let networkInput = "(input)"

    /// First pass: follows which layers produced the current activation's channels or features
    /// (a set, because a concatenation joins several) and records pins and multiples. The inputs
    /// of an ``Add`` must keep equal counts, so their producers are tied: if one of them is pinned
    /// (or is the network input), all are, and they share one multiple.
    func plan(_ body: Sequential, input: Shape) throws -> Plan {
        var plan = Plan()
        var ties: [Set<String>] = []
        let producers = try LayerTree.fold(body, Set([Self.networkInput]), input: input, visit: { (leaf: any LeafLayer, states: [Set<String>], shapes: [Shape], path: String) throws -> Set<String> in
            let producers = states.reduce(into: Set<String>()) { $0.formUnion($1) }
            let count = shapes.first?.dimensions.first ?? 0
            if leaf is Add {
                ties.append(producers)
                return producers
            }
            if let conv = leaf as? any ChannelMixing {
                plan.originalInput[path] = count
                if (conv as? Conv2d)?.connectionTable != nil {
                    plan.pinned.formUnion(producers)
                    plan.pinned.insert(path)
                    return [path]
                }
                if conv.groups > 1 && conv.groups == count {
                    plan.depthwise.insert(path)
                    return producers
                }
                if conv.groups > 1 {
                    for producer in producers { plan.multiple[producer] = Self.lcm(plan.multiple[producer] ?? 1, conv.groups) }
                    plan.multiple[path] = Self.lcm(plan.multiple[path] ?? 1, conv.groups)
                }
                return [path]
            }
            if leaf is Linear {
                plan.originalInput[path] = count
                return [path]
            }
            return producers
        })
        plan.pinned.formUnion(producers)
        plan.pinned.insert(Self.networkInput)
        // Propagate pins and multiples through the ties until nothing changes.
        var changed = true
        while changed {
            changed = false
            for tie in ties {
                if !tie.isDisjoint(with: plan.pinned) && !tie.isSubset(of: plan.pinned) {
                    plan.pinned.formUnion(tie)
                    changed = true
                }
                let multiple = tie.reduce(1) { Self.lcm($0, plan.multiple[$1] ?? 1) }
                for member in tie where (plan.multiple[member] ?? 1) != multiple {
                    plan.multiple[member] = multiple
                    changed = true
                }
            }
        }
        return plan
    }

    func rewrite(_ body: Sequential, input: Shape) throws -> RewriteOutcome {
        let plan = try plan(body, input: input)
        var changes: [String] = []
        func note(_ path: String, _ oldIn: Int?, _ oldOut: Int, _ newIn: Int, _ newOut: Int) {
            let before = oldIn.map { "\($0)→\(oldOut)" } ?? "\(oldOut)"
            if oldIn != newIn || oldOut != newOut { changes.append("\(path) \(before) becomes \(newIn)→\(newOut)") }
        }
        let (rewritten, _) = try LayerTree.map(body, input: input, path: "") { site in
            let count = site.input.dimensions.first ?? 0
            if var conv = site.layer as? any ChannelMixing {
                let oldOut = conv.outChannels
                if conv.inChannels != nil { conv.inChannels = count }
                if plan.depthwise.contains(site.path) {
                    conv.outChannels = count * (conv.outChannels / conv.groups)
                    conv.groups = count
                } else if !plan.pinned.contains(site.path) {
                    conv.outChannels = Rewrite.scaledCount(conv.outChannels, factor: factor, multiple: plan.multiple[site.path] ?? 1)
                }
                note(site.path, plan.originalInput[site.path], oldOut, count, conv.outChannels)
                return [conv]
            }
            if var linear = site.layer as? Linear {
                let oldOut = linear.outFeatures
                if linear.inFeatures != nil { linear.inFeatures = count }
                if !plan.pinned.contains(site.path) { linear.outFeatures = Rewrite.scaledCount(linear.outFeatures, factor: factor) }
                note(site.path, plan.originalInput[site.path], oldOut, count, linear.outFeatures)
                return [linear]
            }
            if var norm = site.layer as? BatchNorm, norm.features != nil {
                norm.features = count
                return [norm]
            }
            return nil
        }
        guard !changes.isEmpty else {
            return .unchanged(reason: "no hidden convolution or linear layer changes size (layers that set the output keep theirs, and ×\(factor) rounds back to the same counts)")
        }
        return .changed(rewritten, changes)
    }
}
