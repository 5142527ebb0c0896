/// How a key made by a builder is given. An optional key's default is the value the kind's blank
/// instance (``SpecKind/specBlank(named:)``, which uses the initialiser's defaults) holds, so
/// each default is written once, in the layer's initialiser.
enum SpecPresence {
    /// The key must be given.
    case required
    /// The key may be omitted; it is written only when it differs from its default.
    case optional
    /// The key may be omitted, but is always written (the kind's emitted form spells it out).
    case optionalAlwaysWritten
}

/// Builders for the common kinds of keys: a line per key in a kind's declaration.
extension SpecKey where L: SpecKind {
    /// A key whose value is one scalar-like YAML value read by `read` and written by `write`.
    /// `isDefault` decides whether a value is the default (default: equal to it).
    static func value<V: Equatable>(_ name: String, _ path: WritableKeyPath<L, V>, _ presence: SpecPresence, type: String,
                                    doc: String, read: @escaping (SpecNode, String) throws -> V,
                                    write: @escaping (V) -> String, isDefault: ((V, V) -> Bool)? = nil) -> SpecKey {
        let fallback = L.specBlank(named: "")[keyPath: path]
        let sameAsDefault = isDefault ?? { $0 == $1 }
        return SpecKey(name: name, requirement: presence == .required ? .required : .optional(default: write(fallback)),
                       typeText: type, doc: doc,
                       decode: { node, layer, _ in layer[keyPath: path] = try read(node, name) },
                       encode: { layer in
                           let value = layer[keyPath: path]
                           return presence == .optional && sameAsDefault(value, fallback) ? nil : .inline(write(value))
                       })
    }

    /// A positive integer (`out_channels: 16`).
    static func positiveInt(_ name: String, _ path: WritableKeyPath<L, Int>, _ presence: SpecPresence = .optional,
                            doc: String) -> SpecKey {
        value(name, path, presence, type: "int", doc: doc, read: { try $0.positiveInt($1) }, write: String.init)
    }

    /// A positive integer that is checked against the input when given and written when set
    /// (`in_channels`); absent, it is `nil`, shown as `absent` (default `any`).
    static func checkedPositiveInt(_ name: String, _ path: WritableKeyPath<L, Int?>, absent: String = "any",
                                   doc: String) -> SpecKey {
        SpecKey(name: name, requirement: .optional(default: absent), typeText: "int", doc: doc,
                decode: { node, layer, _ in layer[keyPath: path] = try node.positiveInt(name) },
                encode: { layer in layer[keyPath: path].map { .inline(String($0)) } })
    }

    /// A size of positive integers, `3` or `[height, width]` (`kernel_size: [3, 5]`).
    static func size2(_ name: String, _ path: WritableKeyPath<L, Size2>, _ presence: SpecPresence = .optional,
                      doc: String) -> SpecKey {
        value(name, path, presence, type: "int or [h, w]", doc: doc, read: { try $0.size2($1) }, write: SpecText.size)
    }

    /// A size of non-negative integers (pooling's `padding: [1, 0]`).
    static func size2AllowingZero(_ name: String, _ path: WritableKeyPath<L, Size2>, _ presence: SpecPresence = .optional,
                                  doc: String) -> SpecKey {
        value(name, path, presence, type: "int or [h, w], ≥ 0", doc: doc, read: { try $0.size2($1, allowZero: true) },
              write: SpecText.size)
    }

    /// `true` or `false` (`bias: false`).
    static func bool(_ name: String, _ path: WritableKeyPath<L, Bool>, _ presence: SpecPresence = .optional,
                     doc: String) -> SpecKey {
        value(name, path, presence, type: "bool", doc: doc, read: { try $0.bool($1) }, write: { $0 ? "true" : "false" })
    }

    /// A finite number, validated by `rule` (which returns what is wrong, e.g. `must be positive,
    /// found 0.0`, or `nil`); the error reads `<name> <problem>` at the value.
    static func number(_ name: String, _ path: WritableKeyPath<L, Double>, _ presence: SpecPresence = .optional,
                       rule: @escaping (Double) -> String? = { _ in nil }, doc: String) -> SpecKey {
        value(name, path, presence, type: "number", doc: doc, read: { node, what in
            let number = try node.double(what)
            if let problem = rule(number) { throw node.error("\(what) \(problem)") }
            return number
        }, write: { String($0) })
    }

    /// A convolution's padding: `1`, `[1, 2]`, `valid` or `same`. Padding 0 is written as the
    /// default `valid` (the same shapes and costs).
    static func padding(_ name: String, _ path: WritableKeyPath<L, Padding>, doc: String) -> SpecKey {
        func normalized(_ padding: Padding) -> Padding { padding == .explicit(Size2(0)) ? .valid : padding }
        return value(name, path, .optional, type: "int, [h, w], [top, bottom, left, right], valid or same", doc: doc, read: { node, what in
            switch node.scalarText?.lowercased() {
            case "valid": return .valid
            case "same": return .same
            default: return try node.paddingSides(what)
            }
        }, write: { padding in
            switch padding {
            case .valid: return "valid"
            case .same: return "same"
            case let .explicit(size): return SpecText.size(size)
            case let .sides(t, b, l, r): return SpecText.list([t, b, l, r])
            }
        }, isDefault: { normalized($0) == normalized($1) })
    }

    /// A nested list of layers (`sequential`'s `layers`), read one level deeper.
    /// A list of layers (with their `inputs:`) stored in a ``Sequential`` whose own name is kept.
    /// Optional lists are omitted when empty.
    static func layers(_ name: String, _ path: WritableKeyPath<L, Sequential>, _ presence: SpecPresence = .required,
                       absent: String = "none", doc: String) -> SpecKey {
        SpecKey(name: name, requirement: presence == .required ? .required : .optional(default: absent), typeText: "list of layers", doc: doc,
                decode: { node, layer, context in
                    let list = try context.layers(node, what: "\(name) of '\(layer.name)'")
                    layer[keyPath: path].layers = list.layers
                    layer[keyPath: path].inputs = list.inputs
                },
                encode: { layer in
                    let list = layer[keyPath: path]
                    return presence != .required && list.layers.isEmpty ? nil : .layers(list)
                })
    }
}

/// How spec values are spelled in YAML flow text.
enum SpecText {
    /// `3`, or `[3, 5]` when height and width differ.
    static func size(_ size: Size2) -> String { size.isSquare ? String(size.height) : list([size.height, size.width]) }

    /// `[1, 2, 3]`.
    static func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }
}
