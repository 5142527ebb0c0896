import CZlib

/// gzip and zlib streams through the system zlib. All zlib calls of ConvKit live in this file.
///
/// Decompression detects the header (gzip or zlib, `windowBits` 15 + 32), bounds the output to a
/// size the caller chooses (so a corrupt or hostile file cannot exhaust memory), and turns every
/// zlib failure into a ``ConvKitError/fileError(file:reason:)`` naming `source`.
enum Gzip {
    /// True when `bytes` starts with the gzip magic number `1f 8b`.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a gzip (or zlib) stream. Concatenated gzip members are joined, as `gunzip` does;
    /// bytes after the last member that do not start another member are ignored.
    /// - Parameters:
    ///   - source: the file name or URL used in error messages.
    ///   - maxOutputSize: the largest accepted decompressed size in bytes.
    static func decompress(_ input: [UInt8], source: String, maxOutputSize: Int) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ConvKitError.fileError(file: source, reason: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: min(max(input.count * 4, 1 << 16), maxOutputSize))
        var produced = 0
        return try input.withUnsafeBufferPointer { inBuffer -> [UInt8] in
            guard let inBase = inBuffer.baseAddress, !inBuffer.isEmpty else {
                throw ConvKitError.fileError(file: source, reason: "empty file is not a gzip stream")
            }
            var consumed = 0
            while true {
                if produced == output.count {
                    guard output.count < maxOutputSize else {
                        throw ConvKitError.fileError(file: source, reason: "decompresses to more than \(maxOutputSize.grouped) bytes, the limit for this file")
                    }
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
                    return output
                case Z_BUF_ERROR where produced == output.count:
                    continue  // output full: grown at the top of the loop
                case Z_BUF_ERROR:
                    throw ConvKitError.fileError(file: source, reason: "truncated gzip stream: input ended after \(consumed.grouped) bytes (\(produced.grouped) bytes decompressed)")
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw ConvKitError.fileError(file: source, reason: "corrupt gzip stream near compressed byte \(consumed.grouped): \(detail)")
                }
            }
        }
    }

    /// Compresses `input` into a single gzip member (used to build test archives and fixtures).
    static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ConvKitError.invalidArgument(name: "gzip level", reason: "zlib could not start deflating at level \(level)")
        }
        defer { deflateEnd(&stream) }
        guard input.count < Int(UInt32.max) / 2 else {
            throw ConvKitError.invalidArgument(name: "gzip input", reason: "\(input.count.grouped) bytes is too large to compress in one call")
        }
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
        guard status == Z_STREAM_END else {
            throw ConvKitError.invalidArgument(name: "gzip input", reason: "zlib deflate failed with status \(status)")
        }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }
}
