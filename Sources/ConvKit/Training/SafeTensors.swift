/// Named float32 tensors plus string metadata, stored in Hugging Face's safetensors format —
/// ConvKit's checkpoint format, loadable by `safetensors.torch.load_file` and friends.
///
/// File layout (all integers little-endian):
/// ```
/// bytes 0..<8        N, the header length (UInt64)
/// bytes 8..<8+N      UTF-8 JSON object: {"__metadata__": {string: string}?,
///                     name: {"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end]}, …}
///                    padded with spaces so that 8 + N is a multiple of 8
/// bytes 8+N..<end    the data buffer; each tensor's elements row-major (C order) at
///                    [begin, end) relative to the buffer start, tiling it without gaps
/// ```
/// Reading is in `SafeTensorsReader.swift`, element types in `SafeTensorsDType.swift`.
public struct SafeTensors: Sendable, Equatable {
    /// One named tensor: shape outermost first, values row-major (as ``Tensor``).
    public struct Entry: Sendable, Equatable {
        /// The tensor's key, e.g. `conv1.weight` (PyTorch `state_dict` names).
        public var name: String
        /// Sizes of each dimension, outermost first; `[]` is a scalar (one value).
        public var shape: [Int]
        /// The elements in row-major order; their count is the product of `shape`.
        public var values: [Float]

        /// An entry; ``SafeTensors/serialized()`` checks that `values` fits `shape`.
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }

        /// An entry holding a copy of `tensor`'s shape and elements.
        public init(name: String, tensor: Tensor) {
            self.init(name: name, shape: tensor.shape, values: tensor.storage)
        }

        /// The entry as a ``Tensor``; throws if `values` does not fit `shape`.
        public func tensor() throws -> Tensor {
            try Tensor(shape: shape, values: values)
        }
    }

    /// The tensors: in file (header) order when read, in the order given when constructed.
    public var entries: [Entry]
    /// The header's `"__metadata__"` object (free-form strings, e.g. `"epoch": "3"`); written
    /// only when non-empty.
    public var metadata: [String: String]

    /// A collection of tensors and metadata to write.
    public init(entries: [Entry], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// The first entry called `name`, or nil.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The file's bytes, with every tensor stored as dtype `F32`.
    ///
    /// Matches the Python library byte for byte for float32 tensors: header keys
    /// (`__metadata__` first, its keys sorted) and data both in order of tensor name (compared
    /// as UTF-8 bytes), compact JSON escaped as serde_json does, header padded with spaces to
    /// a multiple of 8 bytes. Throws ``ConvKitError/invalidArgument(name:reason:)`` for
    /// duplicate or reserved names, negative dimensions, or values that do not fit their shape.
    public func serialized() throws -> [UInt8] {
        var seen = Set<String>()
        for entry in entries {
            guard entry.name != "__metadata__" else {
                throw ConvKitError.invalidArgument(name: "safetensors entry name", reason: "\"__metadata__\" is reserved for the metadata object")
            }
            guard seen.insert(entry.name).inserted else {
                throw ConvKitError.invalidArgument(name: "safetensors entry name", reason: "duplicate tensor name '\(entry.name)'")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw ConvKitError.invalidArgument(name: "shape of tensor '\(entry.name)'", reason: "dimensions must be non-negative, found \(entry.shape)")
            }
            let count = try Checked.product(entry.shape, "element count of tensor '\(entry.name)'")
            guard count == entry.values.count else {
                throw ConvKitError.invalidArgument(name: "tensor '\(entry.name)'", reason: "shape \(entry.shape) needs \(count) values, found \(entry.values.count)")
            }
        }
        let ordered = entries.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

        var header: [UInt8] = Array("{".utf8)
        var first = true
        func separator() { if !first { header.append(UInt8(ascii: ",")) }; first = false }
        if !metadata.isEmpty {
            separator()
            Self.appendJSONString("__metadata__", to: &header)
            header.append(contentsOf: ":{".utf8)
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                if i > 0 { header.append(UInt8(ascii: ",")) }
                Self.appendJSONString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                Self.appendJSONString(metadata[key] ?? "", to: &header)
            }
            header.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for entry in ordered {
            let size = try Checked.multiply(entry.values.count, 4, "byte size of tensor '\(entry.name)'")
            let end = try Checked.add(offset, size, "data offset of tensor '\(entry.name)'")
            separator()
            Self.appendJSONString(entry.name, to: &header)
            let shape = entry.shape.map(String.init).joined(separator: ",")
            header.append(contentsOf: ":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}".utf8)
            offset = end
        }
        header.append(UInt8(ascii: "}"))
        // Pad so the data buffer starts 8-byte aligned (8 + N ≡ 0 mod 8), as the Python library does.
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        let total = try Checked.add(8 + header.count, offset, "safetensors file size")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        let length = UInt64(header.count)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(k)))) }
        bytes.append(contentsOf: header)
        for entry in ordered {
            for value in entry.values {
                let bits = value.bitPattern
                bytes.append(UInt8(truncatingIfNeeded: bits))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
                bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
            }
        }
        return bytes
    }

    /// Writes ``serialized()`` to `path` atomically (see ``AtomicFile``).
    public func write(to path: String) throws {
        try AtomicFile.write(try serialized(), to: path)
    }

    /// A JSON string literal escaped like serde_json: `"` and `\` escaped, control characters
    /// as `\b \f \n \r \t` or `\u00xx` (lowercase hex), everything else (including `/` and
    /// non-ASCII) verbatim as UTF-8.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x00..<0x20: out.append(contentsOf: "\\u00".utf8 + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
