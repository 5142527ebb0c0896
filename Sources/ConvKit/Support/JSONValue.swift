import Foundation

/// A JSON value whose objects keep their key order, so that ConvKit's JSON output is stable
/// (the key order is part of the interface users script against).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    /// Compact (`pretty == false`) or indented JSON text.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            if d.isFinite {
                out += d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
            } else {
                out += "null"
            }
        case let .string(s): Self.writeString(s, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            let scalarsOnly = items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if scalarsOnly || indent == nil {
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += indent == nil ? "," : ", " }
                    item.write(into: &out, indent: nil)
                }
                out += "]"
                return
            }
            let inner = indent! + 2
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += String(repeating: " ", count: inner)
                item.write(into: &out, indent: inner)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent!) + "]"
        case let .object(entries):
            if entries.isEmpty { out += "{}"; return }
            guard let indent else {
                out += "{"
                for (i, (key, value)) in entries.enumerated() {
                    if i > 0 { out += "," }
                    Self.writeString(key, into: &out)
                    out += ":"
                    value.write(into: &out, indent: nil)
                }
                out += "}"
                return
            }
            let inner = indent + 2
            out += "{\n"
            for (i, (key, value)) in entries.enumerated() {
                out += String(repeating: " ", count: inner)
                Self.writeString(key, into: &out)
                out += ": "
                value.write(into: &out, indent: inner)
                out += i + 1 < entries.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
