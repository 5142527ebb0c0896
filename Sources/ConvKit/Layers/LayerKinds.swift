/// The registry of layer kinds that model specs can describe: one explicit list, no reflection.
///
/// Adding a kind is an `extension X: SpecKind` at the end of its file plus one line here; the
/// spec parser, the emitter, the README's key table (``markdownTable()``) and the tests that
/// take every kind through every walk all read this list.
public enum LayerKinds {
    /// Every spec kind, in the order error messages and the key table list them.
    static let all: [LayerKind] = [
        LayerKind(Conv2d.self),
        LayerKind(ConvTranspose2d.self),
        LayerKind(Linear.self),
        LayerKind(MaxPool2d.self),
        LayerKind(AvgPool2d.self),
        LayerKind(AdaptiveAvgPool2d.self),
        LayerKind(Upsample.self),
        LayerKind(Subsampling.self),
        LayerKind(BatchNorm.self),
        BatchNorm.oneDimensionalSpec,
        LayerKind(LocalResponseNorm.self),
        LayerKind(Dropout.self),
        LayerKind(DropPath.self),
        LayerKind(ReLU.self),
        LayerKind(Sigmoid.self),
        LayerKind(Tanh.self),
        LayerKind(ReLU6.self),
        LayerKind(SiLU.self),
        LayerKind(Hardswish.self),
        LayerKind(Hardsigmoid.self),
        LayerKind(GELU.self),
        LayerKind(LeakyReLU.self),
        LayerKind(Flatten.self),
        LayerKind(Identity.self),
        LayerKind(ChannelShuffle.self),
        LayerKind(Split.self),
        LayerKind(Sequential.self),
        LayerKind(Concat.self),
        LayerKind(Add.self),
        LayerKind(Mul.self),
        LayerKind(CenterCrop.self),
        LayerKind(Residual.self),
    ]

    /// The entry for a spec `type` or alias: case-insensitive, underscores ignored (`Conv_2d`).
    static func kind(for type: String) -> LayerKind? {
        let key = type.lowercased().replacingOccurrences(of: "_", with: "")
        return all.first { $0.type == key } ?? all.first { $0.aliases.contains(key) }
    }

    /// The entry that writes `layer`, or `nil` when its kind has no spec form.
    static func kind(of layer: any Layer) -> LayerKind? {
        all.first { $0.matches(layer) }
    }

    /// The spec key table of the README (`convkit models --spec-keys`): one row per key, the
    /// required ones in bold, with their value type, default and meaning. Neighbouring entries with
    /// the same keys (`batchnorm2d`, `batchnorm1d`; the activations) share their rows.
    public static func markdownTable() -> String {
        let header = ["| type | key | value | default | meaning |", "|---|---|---|---|---|"]
        return (header + tableGroups.flatMap(markdownRows)).joined(separator: "\n") + "\n"
    }

    /// Runs of neighbouring entries with the same keys, in registry order.
    static var tableGroups: [[LayerKind]] {
        var groups: [[LayerKind]] = []
        for kind in all {
            if let last = groups.last?.last, last.keys == kind.keys {
                groups[groups.count - 1].append(kind)
            } else {
                groups.append([kind])
            }
        }
        return groups
    }

    /// The table rows of entries with the same keys: their types (and aliases) on the first row,
    /// a row per key (required keys first).
    static func markdownRows(_ kinds: [LayerKind]) -> [String] {
        let types = kinds.map { kind in
            "`\(kind.type)`" + (kind.aliases.isEmpty ? "" : " (or " + kind.aliases.map { "`\($0)`" }.joined(separator: ", ") + ")")
        }.joined(separator: ", ")
        let keys = kinds.first?.listedKeys ?? []
        guard !keys.isEmpty else { return ["| \(types) | — | | | |"] }
        return keys.enumerated().map { index, key in
            let name = key.isRequired ? "**\(key.name)**" : key.name
            let fallback: String
            switch key.requirement {
            case .required: fallback = "required"
            case let .optional(text): fallback = text
            }
            return "| \(index == 0 ? types : "") | \(name) | \(key.typeText) | \(fallback) | \(key.doc) |"
        }
    }
}
