import Foundation
import Testing
@testable import ConvKit

/// A safetensors file built by hand: the 8-byte little-endian header length (`declared`, or
/// the padded header's real length), the header text padded with spaces to a multiple of 8,
/// then `data`.
func safeTensorsFile(_ header: String, _ data: [UInt8], declared: UInt64? = nil) -> [UInt8] {
    var text = Array(header.utf8)
    text += Array(repeating: UInt8(ascii: " "), count: (8 - text.count % 8) % 8)
    let length = declared ?? UInt64(text.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + text + data
}

/// Little-endian bytes of float32 values.
func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
}

/// Little-endian bytes of 16-bit words (F16 / BF16 bit patterns).
func uint16Bytes(_ words: [UInt16]) -> [UInt8] {
    words.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
}

@Suite struct SafeTensorsTests {
    /// One tensor "a" of shape [2] holding [1, 2].
    /// Header `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}` is
    /// 5 (`{"a":`) + 15 (`{"dtype":"F32",`) + 12 (`"shape":[2],`) + 20 (`"data_offsets":[0,8]`)
    /// + 2 (`}}`) = 54 bytes, padded with 2 spaces to 56 so that 8 + 56 = 64 is a multiple of 8.
    /// N = 56 = 0x38. Data: 1.0f = 0x3F800000 → 00 00 80 3F; 2.0f = 0x40000000 → 00 00 00 40.
    /// Total 8 + 56 + 8 = 72 bytes — the same bytes `safetensors.numpy.save({"a": np.array([1, 2],
    /// dtype=np.float32)})` returns (checked with safetensors 0.8.0).
    @Test func goldenBytesOfATinyFile() throws {
        let bytes = try SafeTensors(entries: [.init(name: "a", shape: [2], values: [1, 2])]).serialized()
        let expected: [UInt8] = [0x38, 0, 0, 0, 0, 0, 0, 0]
            + Array(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#.utf8) + [0x20, 0x20]
            + [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]
        #expect(bytes.count == 72)
        #expect(bytes == expected)
    }

    /// Metadata comes first with sorted keys; tensors and their data in name order (UTF-8 bytes),
    /// whatever order they were given in; strings escaped as serde_json does (`\"`, `\u0001`, `\b`;
    /// `/` and `é` verbatim).
    @Test func goldenHeaderWithMetadataAndNameOrder() throws {
        let file = SafeTensors(entries: [.init(name: "b", shape: [], values: [3]), .init(name: "a", shape: [1, 0], values: [])],
                               metadata: ["z": "1", "e": "x/\"\u{1}\u{8}é"])
        let bytes = try file.serialized()
        let header = #"{"__metadata__":{"e":"x/\"\u0001\bé","z":"1"},"a":{"dtype":"F32","shape":[1,0],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#
        #expect(Array(header.utf8).count == 154)  // é is 2 bytes; 154 + 6 spaces = 160, and 8 + 160 = 168 = 21 × 8.
        #expect(bytes[0] == 160)
        #expect(bytes == safeTensorsFile(header, float32Bytes([3])))
    }

    @Test func roundTripIsBitExact() throws {
        // Subnormals: 0x000116C2 = 71362 × 2^-149 ≈ 1e-40, 0x80000003 = −3 × 2^-149.
        let specials: [Float] = [-0.0, 0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, Float(bitPattern: 0x0001_16C2),
                                 .leastNormalMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan, 3.1415927,
                                 Float(bitPattern: 0x8000_0003)]
        let original = SafeTensors(entries: [
            .init(name: "conv1.weight", shape: [3, 1, 2, 2], values: specials),
            .init(name: "bn1.running_var", shape: [], values: [0.5]),
            .init(name: "empty", shape: [0, 3], values: []),
            .init(name: "ünï \"q\"\n/", shape: [2], values: [1, -2]),
        ], metadata: ["epoch": "3", "note": "α/β \"quoted\" \u{1}", "": ""])
        let dir = try makeScratchDirectory("st")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        try original.write(to: path)
        let read = try SafeTensors.read(from: path)

        #expect(read.metadata == original.metadata)
        // Read back in file order, which is name order (UTF-8 bytes): "bn1…" < "conv1…" < "empty" < "ü…".
        #expect(read.entries.map(\.name) == ["bn1.running_var", "conv1.weight", "empty", "ünï \"q\"\n/"])
        for entry in original.entries {
            let back = try #require(read.entry(named: entry.name))
            #expect(back.shape == entry.shape)
            #expect(back.values.map(\.bitPattern) == entry.values.map(\.bitPattern), "\(entry.name)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["model.safetensors"])
        #expect(try SafeTensors.read(from: path).entry(named: "conv1.weight")?.tensor().shape == [3, 1, 2, 2])
    }

    @Test func readsF16AndBF16() throws {
        // F16: 0x3C00 = 1, 0xC000 = -2, 0x0001 = 2^-24 (smallest subnormal), 0x7BFF = 65504 (largest finite),
        // 0x8000 = -0, 0x7C00 = +inf.
        let f16 = safeTensorsFile(#"{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}}"#,
                                  uint16Bytes([0x3C00, 0xC000, 0x0001, 0x7BFF, 0x8000, 0x7C00]))
        let h = try #require(try SafeTensors.parse(f16, file: "f16").entry(named: "h"))
        #expect(h.shape == [2, 3])
        #expect(h.values.map(\.bitPattern) == [Float(1), -2, 0x1p-24, 65504, -0.0, .infinity].map(\.bitPattern))
        // BF16 is the top half of a float32: 0x3F80 = 1, 0xC049 = -3.140625 (0xC0490000),
        // 0x0001 → 0x00010000 = 2^16 × 2^-149 = 2^-133 (subnormal), 0x7F80 = +inf.
        let bf16 = safeTensorsFile(#"{"g":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}"#,
                                   uint16Bytes([0x3F80, 0xC049, 0x0001, 0x7F80]))
        let g = try #require(try SafeTensors.parse(bf16, file: "bf16").entry(named: "g"))
        #expect(g.values.map(\.bitPattern) == [Float(1), -3.140625, 0x1p-133, .infinity].map(\.bitPattern))
    }

    #if !(os(macOS) && arch(x86_64))
    /// The hand-written F16 → F32 conversion agrees with the platform's `Float16` on all 65,536 bit patterns.
    @Test func halfConversionMatchesFloat16Everywhere() {
        var mismatches: [UInt16] = []
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let found = SafeTensorsDType.halfToFloat(bits)
            let same = expected.isNaN ? (found.isNaN && found.bitPattern == expected.bitPattern) : found.bitPattern == expected.bitPattern
            if !same { mismatches.append(bits) }
        }
        #expect(mismatches.count == 0, "first mismatches: \(mismatches.prefix(5))")
    }
    #endif

    @Test func readsIntegersThatAreExactAndRejectsOthers() throws {
        // I64 [-5, 2^24 = 16777216] and U8 [0, 255]: all exact in float32.
        let ints = safeTensorsFile(#"{"i":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"u":{"dtype":"U8","shape":[2],"data_offsets":[16,18]}}"#,
                                   [0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 0, 255])
        let parsed = try SafeTensors.parse(ints, file: "ints")
        #expect(parsed.entry(named: "i")?.values == [-5, 16_777_216])
        #expect(parsed.entry(named: "u")?.values == [0, 255])
        // I32 2^24 + 1 = 16777217 = 0x01000001 has no float32 (24-bit significand).
        let inexact = safeTensorsFile(#"{"n":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#, [7, 0, 0, 0, 0x01, 0x00, 0x00, 0x01])
        #expect(expectConvKitError { _ = try SafeTensors.parse(inexact, file: "x") }
                == .corruptFile(file: "x", reason: "tensor 'n': element 1 of dtype I32 is 16777217, which float32 cannot represent exactly"))
        let bool = safeTensorsFile(#"{"m":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}"#, [1])
        #expect(expectConvKitError { _ = try SafeTensors.parse(bool, file: "x") }
                == .corruptFile(file: "x", reason: "dtype BOOL not supported for tensor 'm' (ConvKit reads F32, F64, F16, BF16 and integers that are exact in float32)"))
    }

    @Test func readsF64RoundingToFloat() throws {
        // 0.1 as a double is 0x3FB999999999999A; float32(0.1) = 0x3DCCCCCD.
        let f64 = safeTensorsFile(#"{"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, [0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F])
        #expect(try SafeTensors.parse(f64, file: "d").entry(named: "d")?.values.map(\.bitPattern) == [0x3DCC_CCCD])
    }

    /// Written by the Python library (safetensors 0.8.0, numpy 2.4):
    /// ```python
    /// import numpy as np
    /// from safetensors.numpy import save_file
    /// save_file({
    ///     "conv1.weight": (np.arange(8, dtype=np.float32) * 0.5 - 1).reshape(2, 1, 2, 2),
    ///     "conv1.bias": np.array([0.25, -3.0], dtype=np.float32),
    ///     "fc.weight": np.array([[1.5, -0.0009765625]], dtype=np.float16),
    ///     "bn.num_batches_tracked": np.array(7, dtype=np.int64),
    /// }, "python-written.safetensors", metadata={"format": "pt", "epoch": "3"})
    /// ```
    /// The library orders data by dtype alignment, then name: I64, then F32 (bias, weight), then F16.
    @Test func readsAFileWrittenByThePythonLibrary() throws {
        let file = try SafeTensors.read(from: Repository.fixture("safetensors/python-written.safetensors"))
        #expect(file.metadata == ["format": "pt", "epoch": "3"])
        #expect(file.entries.map(\.name) == ["bn.num_batches_tracked", "conv1.bias", "conv1.weight", "fc.weight"])
        #expect(file.entry(named: "bn.num_batches_tracked")?.shape == [])
        #expect(file.entry(named: "bn.num_batches_tracked")?.values == [7])
        #expect(file.entry(named: "conv1.bias")?.values == [0.25, -3])
        #expect(file.entry(named: "conv1.weight")?.shape == [2, 1, 2, 2])
        // k × 0.5 − 1 for k = 0…7.
        #expect(file.entry(named: "conv1.weight")?.values == [-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5])
        #expect(file.entry(named: "fc.weight")?.shape == [1, 2])
        // 1.5 and −2^-10 are exact in float16.
        #expect(file.entry(named: "fc.weight")?.values == [1.5, -0.0009765625])
    }

    @Test func writingRejectsInconsistentEntries() {
        func reason(_ entries: [SafeTensors.Entry]) -> ConvKitError? {
            expectConvKitError { _ = try SafeTensors(entries: entries).serialized() }
        }
        #expect(reason([.init(name: "a", shape: [2, 2], values: [1, 2, 3])])
                == .invalidArgument(name: "tensor 'a'", reason: "shape [2, 2] needs 4 values, found 3"))
        #expect(reason([.init(name: "a", shape: [1], values: [1]), .init(name: "a", shape: [], values: [2])])
                == .invalidArgument(name: "safetensors entry name", reason: "duplicate tensor name 'a'"))
        #expect(reason([.init(name: "__metadata__", shape: [], values: [1])])
                == .invalidArgument(name: "safetensors entry name", reason: "\"__metadata__\" is reserved for the metadata object"))
        #expect(reason([.init(name: "a", shape: [-1, -2], values: [1, 2])])
                == .invalidArgument(name: "shape of tensor 'a'", reason: "dimensions must be non-negative, found [-1, -2]"))
        #expect(reason([.init(name: "a", shape: [Int.max, 2], values: [])])
                == .overflow(what: "element count of tensor 'a'"))
    }
}
