import Yams

/// A YAML node of a model spec, with its file and position so that every error can point at
/// `file:line:column`. Wraps Yams' node; all conversions throw ``ConvKitError/specError``.
struct SpecNode {
    let node: Node
    let file: String

    var line: Int { node.mark?.line ?? 0 }
    var column: Int { node.mark?.column ?? 0 }

    func error(_ reason: String) -> ConvKitError {
        .specError(file: file, line: line, column: column, reason: reason)
    }

    /// The node's text when it is a scalar.
    var scalarText: String? { node.scalar?.string }

    func string(_ what: String) throws -> String {
        guard let text = scalarText else { throw error("\(what) must be a string, found \(describe())") }
        return text
    }

    /// The largest magnitude of an integer in a spec, 2^31 − 1. Sizes, channels and kernel sizes are
    /// far smaller in practice; the bound keeps every sum and every product of two hyper-parameters
    /// within 64 bits (longer products are overflow-checked where they are computed).
    static let maximumInteger = Int(Int32.max)

    func int(_ what: String) throws -> Int {
        guard let text = scalarText, let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw error("\(what) must be an integer, found \(describe())")
        }
        guard value.magnitude <= Self.maximumInteger else {
            throw error("\(what) must be an integer of magnitude at most \(Self.maximumInteger.grouped), found \(value)")
        }
        return value
    }

    func positiveInt(_ what: String) throws -> Int {
        let value = try int(what)
        guard value > 0 else { throw error("\(what) must be a positive integer, found \(value)") }
        return value
    }

    func double(_ what: String) throws -> Double {
        guard let text = scalarText, let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw error("\(what) must be a number, found \(describe())")
        }
        return value
    }

    func bool(_ what: String) throws -> Bool {
        switch scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("\(what) must be true or false, found \(describe())")
        }
    }

    func list(_ what: String) throws -> [SpecNode] {
        guard let sequence = node.sequence else { throw error("\(what) must be a list, found \(describe())") }
        return sequence.map { SpecNode(node: $0, file: file) }
    }

    /// A size given as `3` or `[3, 5]` (height, width).
    func size2(_ what: String, allowZero: Bool = false) throws -> Size2 {
        if node.sequence != nil {
            let items = try list(what)
            guard items.count == 2 else { throw error("\(what) must be an integer or [height, width], found \(items.count) values") }
            let values = try items.map { allowZero ? try $0.int(what) : try $0.positiveInt(what) }
            if allowZero, let negative = values.first(where: { $0 < 0 }) {
                throw error("\(what) must be non-negative, found \(negative)")
            }
            return Size2(values[0], values[1])
        }
        let value = allowZero ? try int(what) : try positiveInt(what)
        guard value >= 0 else { throw error("\(what) must be non-negative, found \(value)") }
        return Size2(value)
    }

    /// Padding as an integer, `[height, width]` or `[top, bottom, left, right]`, every value ≥ 0;
    /// equal sides give ``Padding/explicit(_:)``.
    func paddingSides(_ what: String) throws -> Padding {
        guard node.sequence != nil else { return .explicit(try size2(what, allowZero: true)) }
        let items = try list(what)
        guard items.count == 2 || items.count == 4 else {
            throw error("\(what) must be an integer, [height, width] or [top, bottom, left, right], found \(items.count) values")
        }
        let values = try items.map { try $0.int(what) }
        if let negative = values.first(where: { $0 < 0 }) { throw error("\(what) must be non-negative, found \(negative)") }
        return values.count == 2 ? .explicit(Size2(values[0], values[1])) : .normalized(top: values[0], bottom: values[1], left: values[2], right: values[3])
    }

    /// A mapping's entries as (key text, key node, value node), rejecting non-string and duplicate keys.
    func mapping(_ what: String) throws -> SpecMapping {
        guard let mapping = node.mapping else { throw error("\(what) must be a mapping of keys to values, found \(describe())") }
        var entries: [SpecMapping.Entry] = []
        var seen = Set<String>()
        for (key, value) in mapping {
            let keyNode = SpecNode(node: key, file: file)
            guard let text = keyNode.scalarText else { throw keyNode.error("keys of \(what) must be strings") }
            guard seen.insert(text).inserted else { throw keyNode.error("duplicate key '\(text)' in \(what)") }
            entries.append(SpecMapping.Entry(key: text, keyNode: keyNode, value: SpecNode(node: value, file: file)))
        }
        return SpecMapping(owner: self, what: what, entries: entries)
    }

    /// User text for a one-line message: control characters escaped, at most 60 characters.
    static func echo(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(61) {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out += scalar.properties.generalCategory == .control ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
            }
        }
        return text.unicodeScalars.count > 60 ? String(out.unicodeScalars.prefix(60)) + "…" : out
    }

    func describe() -> String {
        switch node {
        case let .scalar(scalar): return scalar.string.isEmpty ? "an empty value" : "'\(Self.echo(scalar.string))'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// The entries of a YAML mapping. Keys are consumed as they are read, and ``finish(allowed:)``
/// rejects any key nobody asked for (a typo such as `kernal_size` is an error, not ignored).
struct SpecMapping {
    let owner: SpecNode
    let what: String
    struct Entry {
        let key: String
        let keyNode: SpecNode
        let value: SpecNode
    }
    let entries: [Entry]

    func value(_ key: String) -> SpecNode? { entries.first { $0.key == key }?.value }

    func required(_ key: String) throws -> SpecNode {
        guard let node = value(key) else { throw owner.error("\(what) is missing required key '\(key)'") }
        return node
    }

    func finish(allowed: [String]) throws {
        for entry in entries where !allowed.contains(entry.key) {
            throw entry.keyNode.error("unknown key '\(entry.key)' in \(what) (expected one of: \(allowed.joined(separator: ", ")))")
        }
    }
}
