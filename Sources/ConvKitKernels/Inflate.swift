import CZlib

// gzip and zlib streams through the system zlib: the only zlib calls of the package. The functions
// take and return byte arrays and report failures as values; the callers turn them into errors
// that name the file.

/// The outcome of ``inflateBounded(_:maxOutputSize:)``.
public enum InflateResult: Sendable, Equatable {
    /// The decompressed bytes (all members of a multi-member gzip file, joined).
    case inflated([UInt8])
    /// zlib could not start an inflate stream (`inflateInit2` failed).
    case cannotStart
    /// The input was empty.
    case emptyInput
    /// The output would exceed `maxOutputSize` bytes; nothing beyond it was kept.
    case outputLimitExceeded
    /// The input ended inside a stream, after `consumed` input bytes and `produced` output bytes.
    case truncated(consumed: Int, produced: Int)
    /// zlib reported the data as invalid near input byte `consumed`: zlib's `status` code and its
    /// message (`z_stream.msg`, nil when zlib gave none).
    case corrupt(consumed: Int, status: Int32, message: String?)
}

/// Inflates a gzip or zlib stream (the header is detected: `windowBits` 15 + 32). Concatenated gzip
/// members are joined, as `gunzip` does; bytes after the last member that do not start another
/// member (`1f 8b`) are ignored. The output buffer starts at `min(max(4·input, 64 KiB), maxOutputSize)`
/// bytes and doubles as needed, never beyond `maxOutputSize` (so a corrupt or hostile stream cannot
/// exhaust memory); zlib is fed at most 2³² − 1 bytes per call each way.
public func inflateBounded(_ input: [UInt8], maxOutputSize: Int) -> InflateResult {
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        return .cannotStart
    }
    defer { inflateEnd(&stream) }

    var output = [UInt8](repeating: 0, count: min(max(input.count * 4, 1 << 16), maxOutputSize))
    var produced = 0
    return input.withUnsafeBufferPointer { inBuffer -> InflateResult in
        guard let inBase = inBuffer.baseAddress, !inBuffer.isEmpty else { return .emptyInput }
        var consumed = 0
        while true {
            if produced == output.count {
                guard output.count < maxOutputSize else { return .outputLimitExceeded }
                output.append(contentsOf: repeatElement(0, count: min(output.count, maxOutputSize - output.count)))
            }
            let chunkIn = min(inBuffer.count - consumed, Int(UInt32.max))
            let chunkOut = min(output.count - produced, Int(UInt32.max))
            stream.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
            stream.avail_in = uInt(chunkIn)
            let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress.map { $0 + produced }
                stream.avail_out = uInt(chunkOut)
                return inflate(&stream, Z_NO_FLUSH)
            }
            consumed += chunkIn - Int(stream.avail_in)
            produced += chunkOut - Int(stream.avail_out)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let rest = inBuffer.count - consumed
                if rest >= 2, inBase[consumed] == 0x1F, inBase[consumed + 1] == 0x8B {
                    inflateReset(&stream)
                    continue
                }
                output.removeLast(output.count - produced)
                return .inflated(output)
            case Z_BUF_ERROR where produced == output.count:
                continue  // output full: grown at the top of the loop
            case Z_BUF_ERROR:
                return .truncated(consumed: consumed, produced: produced)
            default:
                return .corrupt(consumed: consumed, status: status, message: stream.msg.map { String(cString: $0) })
            }
        }
    }
}

/// The outcome of ``deflateGzip(_:level:)``.
public enum DeflateResult: Sendable, Equatable {
    /// One gzip member holding the input.
    case deflated([UInt8])
    /// zlib could not start a deflate stream at this level (`deflateInit2` failed).
    case cannotStart
    /// The input is 2³¹ − 1 bytes or more, too large for one call.
    case inputTooLarge
    /// `deflate(Z_FINISH)` returned `status` instead of `Z_STREAM_END`.
    case failed(status: Int32)
}

/// Compresses `input` into a single gzip member (`windowBits` 15 + 16, memory level 8, default
/// strategy) at zlib `level` (0…9, or −1 for zlib's default), in one `deflate(Z_FINISH)` call into
/// a buffer of `deflateBound` + 64 bytes.
public func deflateGzip(_ input: [UInt8], level: Int32) -> DeflateResult {
    var stream = z_stream()
    guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                        zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        return .cannotStart
    }
    defer { deflateEnd(&stream) }
    guard input.count < Int(UInt32.max) / 2 else { return .inputTooLarge }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
    var input = input
    let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { out in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(out.count)
            return deflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { return .failed(status: status) }
    output.removeLast(output.count - Int(stream.total_out))
    return .deflated(output)
}
