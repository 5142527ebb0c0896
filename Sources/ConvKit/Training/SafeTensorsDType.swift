/// The element types of the safetensors format, spelled as in the file's `"dtype"` field.
///
/// All are recognised (so a file is validated whatever it holds), but only those with
/// ``convertsToFloat`` can be read into ConvKit's float32 tensors.
enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2"
    case u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case c64 = "C64", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bits per element (sub-byte types exist; a tensor's total must be whole bytes).
    var bits: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Whether ConvKit reads this type: floats (F64 rounded to nearest float32) and integers
    /// whose every value must convert exactly (checked per element).
    var convertsToFloat: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64: return true
        default: return false
        }
    }

    /// Decodes little-endian elements of this type from `bytes` (whose count is already checked
    /// to be `count × bits / 8`). Integers that float32 cannot represent exactly throw,
    /// naming `tensor` and the element index.
    func decode(_ bytes: ArraySlice<UInt8>, count: Int, tensor: String, file: String) throws -> [Float] {
        var values = [Float](repeating: 0, count: count)
        let base = bytes.startIndex
        /// The little-endian unsigned integer of `width` bytes at element `i`.
        func word(_ i: Int, _ width: Int) -> UInt64 {
            var w: UInt64 = 0
            let start = base &+ i &* width
            for k in stride(from: width - 1, through: 0, by: -1) { w = w << 8 | UInt64(bytes[start &+ k]) }
            return w
        }
        func exact<I: BinaryInteger>(_ value: I, _ i: Int) throws -> Float {
            guard let float = Float(exactly: value) else {
                throw ConvKitError.corruptFile(file: file, reason: "tensor '\(tensor)': element \(i) of dtype \(rawValue) is \(value), which float32 cannot represent exactly")
            }
            return float
        }
        switch self {
        case .f32: for i in 0..<count { values[i] = Float(bitPattern: UInt32(truncatingIfNeeded: word(i, 4))) }
        case .f64: for i in 0..<count { values[i] = Float(Double(bitPattern: word(i, 8))) }
        case .f16: for i in 0..<count { values[i] = Self.halfToFloat(UInt16(truncatingIfNeeded: word(i, 2))) }
        case .bf16: for i in 0..<count { values[i] = Float(bitPattern: UInt32(truncatingIfNeeded: word(i, 2)) << 16) }
        case .u8: for i in 0..<count { values[i] = Float(bytes[base &+ i]) }
        case .i8: for i in 0..<count { values[i] = Float(Int8(bitPattern: bytes[base &+ i])) }
        case .u16: for i in 0..<count { values[i] = Float(UInt16(truncatingIfNeeded: word(i, 2))) }
        case .i16: for i in 0..<count { values[i] = Float(Int16(truncatingIfNeeded: word(i, 2))) }
        case .u32: for i in 0..<count { values[i] = try exact(UInt32(truncatingIfNeeded: word(i, 4)), i) }
        case .i32: for i in 0..<count { values[i] = try exact(Int32(truncatingIfNeeded: word(i, 4)), i) }
        case .u64: for i in 0..<count { values[i] = try exact(word(i, 8), i) }
        case .i64: for i in 0..<count { values[i] = try exact(Int64(bitPattern: word(i, 8)), i) }
        default:
            throw ConvKitError.corruptFile(file: file, reason: "dtype \(rawValue) not supported for tensor '\(tensor)' (ConvKit reads F32, F64, F16, BF16 and integers that are exact in float32)")
        }
        return values
    }

    /// IEEE 754 binary16 → binary32, exact for every bit pattern (NaN payloads kept and
    /// signalling NaNs quieted, as the hardware conversion does). Written out rather than using `Float16`, which some
    /// platforms (macOS on x86_64) lack; the tests compare it with `Float16` on all 65,536 inputs.
    static func halfToFloat(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        var mantissa = UInt32(half & 0x03FF)
        switch exponent {
        case 0x1F:  // Infinity, or NaN: payload moved to the top and quieted, as IEEE conversion does.
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13 | (mantissa == 0 ? 0 : 0x0040_0000))
        case 0:
            if mantissa == 0 { return Float(bitPattern: sign) }  // ±0
            // Subnormal: value = mantissa × 2^-24; normalise into float32's wider exponent range.
            var e: UInt32 = 127 - 15 + 1
            while mantissa & 0x0400 == 0 { mantissa <<= 1; e -= 1 }
            return Float(bitPattern: sign | e << 23 | (mantissa & 0x03FF) << 13)
        default:
            return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
        }
    }
}
