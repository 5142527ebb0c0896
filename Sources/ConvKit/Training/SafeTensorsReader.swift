/// Parsing and validation of safetensors files (the writer is in `SafeTensors.swift`).
///
/// Everything is validated before anything proportional to a declared size is allocated: the
/// header length against the real file size, each tensor's byte count (checked arithmetic)
/// against its offsets, and the offsets against the buffer, so a hostile file can cost at most
/// a few times its own size in memory.
extension SafeTensors {
    /// The largest header accepted, in bytes (the limit of Hugging Face's reference implementation).
    public static let maximumHeaderLength = 100_000_000

    /// Parses a whole safetensors file held in memory.
    ///
    /// Accepts F32, F64 (rounded to float32), F16, BF16, and integer dtypes whose values are
    /// all exactly representable in float32. `file` is used only in error messages. Entries come
    /// out in the order their keys appear in the header. Throws
    /// ``ConvKitError/corruptFile(file:reason:)`` naming the tensor or key, and what was expected
    /// versus found.
    public static func parse(_ bytes: [UInt8], file: String) throws -> SafeTensors {
        func corrupt(_ reason: String) -> ConvKitError { .corruptFile(file: file, reason: reason) }

        guard bytes.count >= 8 else {
            throw corrupt("file is \(bytes.count) bytes, too short for the 8-byte header length that starts a safetensors file")
        }
        var declared: UInt64 = 0
        for k in stride(from: 7, through: 0, by: -1) { declared = declared << 8 | UInt64(bytes[k]) }
        let available = bytes.count - 8
        guard declared <= UInt64(available) else {
            throw corrupt("header length \(declared) bytes exceeds the \(available) bytes after the 8-byte length field (file size \(bytes.count) bytes)")
        }
        let headerLength = Int(declared)  // ≤ available, so it fits.
        guard headerLength >= 2 else {
            throw corrupt("header length \(headerLength) is too small (at least 2 bytes, \"{}\")")
        }
        guard headerLength <= maximumHeaderLength else {
            throw corrupt("header length \(headerLength) bytes exceeds the limit of \(maximumHeaderLength) bytes")
        }
        let headerEnd = 8 + headerLength
        let header = bytes[8..<headerEnd]
        guard String(validating: header, as: UTF8.self) != nil else {
            throw corrupt("header (bytes 8..<\(headerEnd)) is not valid UTF-8")
        }
        let json = try StrictJSONParser.parse(header, file: file, what: "header")
        guard case let .object(members) = json else {
            throw corrupt("header must be a JSON object, found \(Self.kind(of: json))")
        }

        let bufferSize = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var layouts: [Layout] = []
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try parseMetadata(value, corrupt)
            } else {
                layouts.append(try parseLayout(name: key, value, bufferSize: bufferSize, corrupt))
            }
        }
        try checkCoverage(layouts, bufferSize: bufferSize, corrupt)

        var entries: [Entry] = []
        entries.reserveCapacity(layouts.count)
        for layout in layouts {
            let data = bytes[(headerEnd + layout.begin)..<(headerEnd + layout.end)]
            let values = try layout.dtype.decode(data, count: layout.count, tensor: layout.name, file: file)
            entries.append(Entry(name: layout.name, shape: layout.shape, values: values))
        }
        return SafeTensors(entries: entries, metadata: metadata)
    }

    /// Reads and parses the safetensors file at `path` (see ``parse(_:file:)``).
    public static func read(from path: String) throws -> SafeTensors {
        try parse(try FileBytes.read(path), file: path)
    }

    /// One tensor's validated place in the data buffer.
    private struct Layout {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var count: Int
        var begin: Int
        var end: Int
    }

    private static func parseMetadata(_ value: JSONValue, _ corrupt: (String) -> ConvKitError) throws -> [String: String] {
        guard case let .object(pairs) = value else {
            throw corrupt("\"__metadata__\" must be an object of strings, found \(kind(of: value))")
        }
        var metadata: [String: String] = [:]
        for (key, item) in pairs {
            guard case let .string(text) = item else {
                throw corrupt("\"__metadata__\" value for key \"\(key)\" must be a string, found \(kind(of: item))")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseLayout(name: String, _ value: JSONValue, bufferSize: Int, _ corrupt: (String) -> ConvKitError) throws -> Layout {
        let what = "tensor '\(name)'"
        guard case let .object(fields) = value else {
            throw corrupt("\(what): expected an object with dtype, shape and data_offsets, found \(kind(of: value))")
        }
        var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
        for (key, field) in fields {
            switch key {
            case "dtype": dtypeValue = field
            case "shape": shapeValue = field
            case "data_offsets": offsetsValue = field
            default: throw corrupt("\(what): unexpected key \"\(key)\" (expected dtype, shape, data_offsets)")
            }
        }
        guard let dtypeValue, let shapeValue, let offsetsValue else {
            let missing = [("dtype", dtypeValue), ("shape", shapeValue), ("data_offsets", offsetsValue)].filter { $0.1 == nil }.map(\.0)
            throw corrupt("\(what): missing \(missing.joined(separator: ", "))")
        }
        guard case let .string(dtypeName) = dtypeValue, let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw corrupt("\(what): unknown dtype \(dtypeValue.serialized(pretty: false)) (known: \(known))")
        }
        guard let shape = nonNegativeIntegers(shapeValue) else {
            throw corrupt("\(what): shape must be a list of non-negative integers, found \(shapeValue.serialized(pretty: false))")
        }
        guard let offsets = nonNegativeIntegers(offsetsValue), offsets.count == 2 else {
            throw corrupt("\(what): data_offsets must be [begin, end] with non-negative integers, found \(offsetsValue.serialized(pretty: false))")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw corrupt("\(what): data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= bufferSize else {
            throw corrupt("\(what): data_offsets [\(begin), \(end)] extend past the end of the \(bufferSize)-byte data buffer")
        }
        let overflow = corrupt("\(what): shape \(shape) of \(dtype.rawValue) has a byte count that overflows a 64-bit integer")
        var count = 1
        for dimension in shape {
            let (product, overflowed) = count.multipliedReportingOverflow(by: dimension)
            if overflowed { throw overflow }
            count = product
        }
        let (bits, overflowed) = count.multipliedReportingOverflow(by: dtype.bits)
        if overflowed { throw overflow }
        guard bits % 8 == 0, bits / 8 == end - begin else {
            let needs = bits % 8 == 0 ? "\(bits / 8) bytes" : "\(bits) bits (not whole bytes)"
            throw corrupt("\(what): shape \(shape) of \(dtype.rawValue) needs \(needs), but data_offsets [\(begin), \(end)] span \(end - begin) bytes")
        }
        return Layout(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end)
    }

    /// Sorted by offset, the tensors must tile the buffer exactly: from byte 0, each beginning
    /// where the previous ended, the last ending at the buffer's end.
    private static func checkCoverage(_ layouts: [Layout], bufferSize: Int, _ corrupt: (String) -> ConvKitError) throws {
        let sorted = layouts.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        var previous: Layout?
        for layout in sorted {
            if layout.begin > cursor {
                throw corrupt("hole in the data buffer: bytes \(cursor)..<\(layout.begin) belong to no tensor (tensor '\(layout.name)' begins at \(layout.begin))")
            }
            if layout.begin < cursor, let previous {
                throw corrupt("tensor '\(layout.name)' data_offsets [\(layout.begin), \(layout.end)] overlap tensor '\(previous.name)' [\(previous.begin), \(previous.end)]")
            }
            cursor = layout.end
            previous = layout
        }
        if cursor != bufferSize {
            throw corrupt("data buffer is \(bufferSize) bytes but the tensors cover only bytes 0..<\(cursor) (\(bufferSize - cursor) trailing bytes)")
        }
    }

    private static func nonNegativeIntegers(_ value: JSONValue) -> [Int]? {
        guard case let .array(items) = value else { return nil }
        var result: [Int] = []
        for item in items {
            guard case let .int(n) = item, n >= 0 else { return nil }
            result.append(n)
        }
        return result
    }

    /// A short description of a JSON value for messages: `null`, `the number 3`, `an array`.
    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case let .bool(b): return "the boolean \(b)"
        case .int, .double, .string: return "the \(value.isString ? "string" : "number") \(value.serialized(pretty: false))"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

private extension JSONValue {
    var isString: Bool { if case .string = self { return true } else { return false } }
}
