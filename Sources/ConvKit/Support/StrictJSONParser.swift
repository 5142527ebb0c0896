/// A strict RFC 8259 JSON parser over UTF-8 bytes, for headers of untrusted files.
///
/// Why not `JSONSerialization`: it silently keeps one of two duplicate keys, forgets key order,
/// and turns `1.0`, `true` and `1e400` into `NSNumber`s that all answer `as? Int`. This parser
/// instead rejects duplicate keys (compared after unescaping), keeps object key order, yields
/// `.int` only for integer literals without fraction or exponent that fit in `Int` (every other
/// number becomes `.double`), and bounds nesting depth so hostile input cannot exhaust the stack.
///
/// Errors are ``ConvKitError/corruptFile(file:reason:)`` naming `what` (e.g. "header") and the
/// byte offset in the file: pass a slice of the whole file's bytes, whose indices are file offsets.
struct StrictJSONParser {
    /// Deepest nesting of arrays and objects accepted.
    static let maximumDepth = 64

    private let bytes: ArraySlice<UInt8>
    private var position: Int
    private let file: String
    private let what: String

    /// Parses one JSON value filling `bytes`, allowing JSON whitespace around it.
    /// The bytes must already be known to be valid UTF-8.
    static func parse(_ bytes: ArraySlice<UInt8>, file: String, what: String) throws -> JSONValue {
        var parser = StrictJSONParser(bytes: bytes, position: bytes.startIndex, file: file, what: what)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position < bytes.endIndex {
            throw parser.failure("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    private func failure(_ message: String, at offset: Int? = nil) -> ConvKitError {
        .corruptFile(file: file, reason: "\(what) is not valid JSON: \(message) at byte \(offset ?? position) of the file")
    }

    private var current: UInt8? { position < bytes.endIndex ? bytes[position] : nil }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of \(what)" }
        if byte == UInt8(ascii: "'") { return "\"'\"" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ description: String) throws {
        guard current == byte else { throw failure("expected \(description), found \(describeCurrent())") }
        position += 1
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard let byte = current else { throw failure("expected a value, found end of \(what)") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func parseLiteral(_ word: String) throws {
        let start = position
        for expected in word.utf8 {
            guard current == expected else { throw failure("expected '\(word)'", at: start) }
            position += 1
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        if depth > Self.maximumDepth { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
        position += 1  // '{'
        var entries: [(String, JSONValue)] = []
        var seen = Set<[UInt8]>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object([]) }
        while true {
            skipWhitespace()
            let keyStart = position
            guard current == UInt8(ascii: "\"") else { throw failure("expected a string key, found \(describeCurrent())") }
            let key = try parseString()
            if !seen.insert(Array(key.utf8)).inserted {
                throw ConvKitError.corruptFile(file: file, reason: "\(what) has duplicate key \"\(key)\" at byte \(keyStart) of the file")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after key \"\(key)\"")
            skipWhitespace()
            entries.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}' in object")
            return .object(entries)
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        if depth > Self.maximumDepth { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
        position += 1  // '['
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array([]) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']' in array")
            return .array(items)
        }
    }

    /// A string starting at the opening quote; returns its unescaped text.
    private mutating func parseString() throws -> String {
        position += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &out)
            case 0x00..<0x20:
                throw failure("control character 0x\(String(byte, radix: 16, uppercase: true)) inside a string (must be escaped)")
            default:
                out.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws {
        guard let byte = current else { throw failure("unterminated escape") }
        let start = position - 1
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var value = UInt32(try parseHex4())
            if (0xD800..<0xDC00).contains(value) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.endIndex, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("lone surrogate \\u\(String(value, radix: 16))", at: start)
                }
                position += 2
                let low = UInt32(try parseHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw failure("lone surrogate \\u\(String(value, radix: 16))", at: start) }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(value) {
                throw failure("lone surrogate \\u\(String(value, radix: 16))", at: start)
            }
            guard let scalar = Unicode.Scalar(value) else { throw failure("invalid \\u escape", at: start) }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw failure("invalid escape '\\\(describeCurrentByte(byte))'", at: start)
        }
    }

    private func describeCurrentByte(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : "0x\(String(byte, radix: 16))"
    }

    private mutating func parseHex4() throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw failure("unterminated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected a hex digit in \\u escape, found \(describeCurrent())")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; `.int` when there is no fraction
    /// or exponent and the value fits in `Int`, else `.double` (possibly ±infinity).
    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw failure("expected a digit, found \(describeCurrent())")
        }
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = current, next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") {
                throw failure("leading zero in number", at: start)
            }
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard requireDigit() else { throw failure("expected a digit after '.', found \(describeCurrent())") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard requireDigit() else { throw failure("expected a digit in exponent, found \(describeCurrent())") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let value = Int(text) { return .int(value) }
        return .double(Double(text) ?? .nan)
    }

    private mutating func skipDigits() {
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
    }

    private mutating func requireDigit() -> Bool {
        guard let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
        skipDigits()
        return true
    }
}
