import Foundation
import Testing
@testable import ConvKit

/// Malformed safetensors files, each rejected with its own message. The committed fixtures are
/// written by `scripts/make-safetensors-fixtures.py` (which comments each one's defect).
@Suite struct SafeTensorsBadFileTests {
    static let knownDTypes = "BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64"

    /// Tensor "a": F32, shape [2], bytes [0, 8) — 52 header bytes.
    static let a = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#

    @Test(arguments: [
        ("truncated", "file is 5 bytes, too short for the 8-byte header length that starts a safetensors file"),
        // 2^60 = 1152921504606846976; the file is 16 bytes, so at most 16 − 8 = 8 can be header.
        ("header-length-2-pow-60", "header length 1152921504606846976 bytes exceeds the 8 bytes after the 8-byte length field (file size 16 bytes)"),
        // 8 + 56-byte header + 8 data bytes = 72; 72 − 8 = 64 < 256.
        ("header-length-past-end", "header length 256 bytes exceeds the 64 bytes after the 8-byte length field (file size 72 bytes)"),
        // "{" + 52 bytes of tensor a = 53, padded to 56: the header ends at byte 8 + 56 = 64 with the object still open.
        ("header-not-json", "header is not valid JSON: expected ',' or '}' in object, found end of header at byte 64 of the file"),
        ("overlapping-offsets", "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]"),
        ("hole-between-tensors", "hole in the data buffer: bytes 8..<12 belong to no tensor (tensor 'b' begins at 12)"),
        ("offsets-past-end", "tensor 'a': data_offsets [0, 8] extend past the end of the 4-byte data buffer"),
        ("wrong-dtype", "tensor 'a': unknown dtype \"F33\" (known: \(knownDTypes))"),
        // 3 elements × 4 bytes = 12.
        ("shape-byte-count-mismatch", "tensor 'a': shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] span 8 bytes"),
        // The header starts at byte 8: "{" at 8, tensor a at 9..<61, "," at 61, the second "a" at 62.
        ("duplicate-names", "header has duplicate key \"a\" at byte 62 of the file"),
        ("metadata-not-string", "\"__metadata__\" value for key \"epoch\" must be a string, found the number 3"),
    ])
    func rejectsFixture(name: String, reason: String) {
        let path = Repository.fixture("safetensors/\(name).safetensors")
        #expect(expectConvKitError { _ = try SafeTensors.read(from: path) } == .corruptFile(file: path, reason: reason))
    }

    /// Header texts (padded and length-prefixed by `safeTensorsFile`) with `data` bytes of zeros.
    @Test(arguments: [
        ("{" + a + "}", 12, "data buffer is 12 bytes but the tensors cover only bytes 0..<8 (4 trailing bytes)"),
        (#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, 8,
         "tensor 'a': shape must be a list of non-negative integers, found [-2]"),
        (#"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#, 8,
         "tensor 'a': shape must be a list of non-negative integers, found [2.0]"),
        (#"{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}"#, 8,
         "tensor 'a': shape must be a list of non-negative integers, found 2"),
        // 2^62 × 4 = 2^64 elements: the element count overflows.
        (#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, 8,
         "tensor 'a': shape [4611686018427387904, 4] of F32 has a byte count that overflows a 64-bit integer"),
        // 2^61 elements fit, but × 32 bits = 2^66 does not.
        (#"{"a":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, 8,
         "tensor 'a': shape [2305843009213693952] of F32 has a byte count that overflows a 64-bit integer"),
        // 10^20 > Int.max ≈ 9.2 × 10^18.
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,99999999999999999999]}}"#, 8,
         "tensor 'a': data_offsets must be [begin, end] with non-negative integers, found [0,1e+20]"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#, 8,
         "tensor 'a': data_offsets must be [begin, end] with non-negative integers, found [0,8,8]"),
        (#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, 8, "tensor 'a': data_offsets [8, 0] end before they begin"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}"#, 8,
         "tensor 'a': unexpected key \"extra\" (expected dtype, shape, data_offsets)"),
        (#"{"a":{"dtype":"F32"}}"#, 0, "tensor 'a': missing shape, data_offsets"),
        (#"{"a":[0,8]}"#, 8, "tensor 'a': expected an object with dtype, shape and data_offsets, found an array"),
        (#"{"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}"#, 8, "tensor 'a': unknown dtype 4 (known: \(knownDTypes))"),
        // Bytes 8…: {"a":{ is 6 bytes (8..<14), "dtype":"F32", 14 (14..<28): the second key is at 28.
        (#"{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 8,
         "header has duplicate key \"dtype\" at byte 28 of the file"),
        // 3 × 4 bits = 12 bits is not a whole number of bytes.
        (#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}"#, 1,
         "tensor 'a': shape [3] of F4 needs 12 bits (not whole bytes), but data_offsets [0, 1] span 1 bytes"),
        ("[1,2]", 0, "header must be a JSON object, found an array"),
        (#"{"__metadata__":"x"}"#, 0, "\"__metadata__\" must be an object of strings, found the string \"x\""),
        (#"{"__metadata__":{"k":null}}"#, 0, "\"__metadata__\" value for key \"k\" must be a string, found null"),
        (#"{"\ud800":1}"#, 0, "header is not valid JSON: lone surrogate \\ud800 at byte 10 of the file"),
        ("{}x", 0, "header is not valid JSON: unexpected 'x' after the end of the JSON value at byte 10 of the file"),
        (#"{'a':1}"#, 0, "header is not valid JSON: expected a string key, found \"'\" at byte 9 of the file"),
        (#"{"a":01}"#, 0, "header is not valid JSON: leading zero in number at byte 13 of the file"),
        ("{\"a\":\"tab\tinside\"}", 0, "header is not valid JSON: control character 0x9 inside a string (must be escaped) at byte 17 of the file"),
        // The object is level 1, so the 64th "[" (at byte 8 + 16 + 63 = 87) is level 65, past the limit.
        (#"{"__metadata__":"# + String(repeating: "[", count: 65), 0, "header is not valid JSON: nesting deeper than 64 levels at byte 87 of the file"),
    ] as [(String, Int, String)])
    func rejectsHeader(header: String, dataCount: Int, reason: String) {
        let bytes = safeTensorsFile(header, [UInt8](repeating: 0, count: dataCount))
        #expect(expectConvKitError { _ = try SafeTensors.parse(bytes, file: "t.safetensors") } == .corruptFile(file: "t.safetensors", reason: reason))
    }

    @Test func rejectsTinyHeaderLengthsAndInvalidUTF8() {
        func reason(_ bytes: [UInt8]) -> ConvKitError? { expectConvKitError { _ = try SafeTensors.parse(bytes, file: "f") } }
        #expect(reason(safeTensorsFile("{}", [], declared: 1)) == .corruptFile(file: "f", reason: "header length 1 is too small (at least 2 bytes, \"{}\")"))
        #expect(reason(safeTensorsFile("{}", [], declared: 0)) == .corruptFile(file: "f", reason: "header length 0 is too small (at least 2 bytes, \"{}\")"))
        // UInt64.max does not even fit in Int; it must still be compared, not converted.
        #expect(reason(safeTensorsFile("{}", [], declared: .max))
                == .corruptFile(file: "f", reason: "header length 18446744073709551615 bytes exceeds the 8 bytes after the 8-byte length field (file size 16 bytes)"))
        // 0xFF never occurs in UTF-8.
        let notUTF8: [UInt8] = [8, 0, 0, 0, 0, 0, 0, 0] + Array(#"{"a":"#.utf8) + [0xFF] + Array("}  ".utf8)
        #expect(reason(notUTF8) == .corruptFile(file: "f", reason: "header (bytes 8..<16) is not valid UTF-8"))
    }

    /// Files the reference implementation accepts: empty, metadata only, zero-size tensors sharing
    /// an offset with others, escaped names, whitespace around the JSON.
    @Test func acceptsEdgeCasesTheReferenceAccepts() throws {
        #expect(try SafeTensors.parse(safeTensorsFile("{}", []), file: "f").entries.isEmpty)
        #expect(try SafeTensors.parse(safeTensorsFile(#"{"__metadata__":{}}"#, []), file: "f").metadata.isEmpty)
        let zeros = #"{"z":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#
        let parsed = try SafeTensors.parse(safeTensorsFile(zeros, float32Bytes([5])), file: "f")
        #expect(parsed.entries.map(\.name) == ["z", "a", "y"])  // header order
        #expect(parsed.entry(named: "a")?.values == [5])
        #expect(parsed.entry(named: "z")?.shape == [0, 4])
        let escaped = try SafeTensors.parse(safeTensorsFile(#" { "\u00e9\n" : {"dtype":"F32","shape":[],"data_offsets":[0,4]} } "#, float32Bytes([1])), file: "f")
        #expect(escaped.entries.map(\.name) == ["é\n"])
    }
}
