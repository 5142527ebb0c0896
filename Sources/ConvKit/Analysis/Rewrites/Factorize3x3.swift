/// `factorize-3x3`: every convolution with a square k×k kernel, odd k ≥ 5, stride 1, dilation 1
/// and no connection table becomes a stack of (k−1)/2 3×3 convolutions (stride 1), all with the
/// original output channels, groups and bias; the first reads the original input channels.
///
/// Preserved: the output shape (the padding is shared out over the stack: per axis, layer `i`
/// of `n` gets `p/n` plus one if `i < p mod n`, so the total shrinkage `2n = k−1` is the
/// original's) and the receptive field (`1 + n·2 = k` pixels at stride 1). Between the 3×3
/// layers goes the activation that follows the original convolution (ReLU, Tanh or Sigmoid,
/// looking past one batch norm), else ReLU. Names: `conv2` → `conv2_a`, `conv2_a_relu`,
/// `conv2_b`. The function computed is not the original's; the counts are exact.
struct Factorize3x3: ArchitectureRewrite {
    /// Whether `conv` is factorized.
    static func applies(to conv: Conv2d) -> Bool {
        let k = conv.kernel.height
        return conv.kernel.isSquare && k >= 5 && k % 2 == 1 && conv.stride == Size2(1) && conv.dilation == Size2(1)
            && conv.connectionTable == nil
    }

    /// The paddings of the `n` stacked 3×3 layers that add up to `padding`.
    static func paddings(_ padding: Padding, count n: Int) -> [Padding] {
        switch padding {
        case .same: return Array(repeating: .same, count: n)
        case .valid: return Array(repeating: .valid, count: n)
        case .explicit, .sides:
            let (t, b, l, r) = padding.sides
            func share(_ total: Int, _ i: Int) -> Int { total / n + (i < total % n ? 1 : 0) }
            return (0..<n).map { Padding.normalized(top: share(t, $0), bottom: share(b, $0), left: share(l, $0), right: share(r, $0)) }
        }
    }

    /// `a`, `b`, … `z`, then `27`, `28`, …
    static func suffix(_ index: Int) -> String {
        index < 26 ? String(UnicodeScalar(UInt8(97 + index))) : String(index + 1)
    }

    func rewrite(_ body: Sequential, input: Shape) throws -> RewriteOutcome {
        var changes: [String] = []
        let (rewritten, _) = try LayerTree.map(body, input: input, path: "") { site in
            guard let conv = site.layer as? Conv2d, Self.applies(to: conv) else { return nil }
            let k = conv.kernel.height
            let n = (k - 1) / 2
            let paddings = Self.paddings(conv.padding, count: n)
            let activation = InsertedActivation.suffix(after: site)
            var layers: [any Layer] = []
            var names: [String] = []
            for i in 0..<n {
                let name = site.names.fresh("\(conv.name)_\(Self.suffix(i))")
                names.append(name)
                layers.append(Conv2d(name, inChannels: i == 0 ? conv.inChannels : conv.outChannels, outChannels: conv.outChannels,
                                     kernel: Size2(3), stride: Size2(1), padding: paddings[i], dilation: Size2(1),
                                     groups: conv.groups, bias: conv.bias))
                if i + 1 < n { layers.append(InsertedActivation.make(after: site, name: site.names.fresh("\(name)_\(activation)"))) }
            }
            changes.append("\(site.path) \(k)×\(k) → \(names.joined(separator: ", ")) (3×3)")
            return layers
        }
        guard !changes.isEmpty else {
            return .unchanged(reason: "no convolution has an odd square kernel k ≥ 5 with stride 1 and dilation 1")
        }
        return .changed(rewritten, changes)
    }
}
