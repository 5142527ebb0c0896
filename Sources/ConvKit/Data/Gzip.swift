import ConvKitKernels

/// gzip and zlib streams through the system zlib (the zlib calls are the kernels'
/// ``inflateBounded(_:maxOutputSize:)`` and ``deflateGzip(_:level:)``, in ConvKitKernels/Inflate.swift).
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
        switch inflateBounded(input, maxOutputSize: maxOutputSize) {
        case let .inflated(output):
            return output
        case .cannotStart:
            throw ConvKitError.fileError(file: source, reason: "zlib could not start inflating")
        case .emptyInput:
            throw ConvKitError.fileError(file: source, reason: "empty file is not a gzip stream")
        case .outputLimitExceeded:
            throw ConvKitError.fileError(file: source, reason: "decompresses to more than \(maxOutputSize.grouped) bytes, the limit for this file")
        case let .truncated(consumed, produced):
            throw ConvKitError.fileError(file: source, reason: "truncated gzip stream: input ended after \(consumed.grouped) bytes (\(produced.grouped) bytes decompressed)")
        case let .corrupt(consumed, status, message):
            let detail = message ?? "zlib error \(status)"
            throw ConvKitError.fileError(file: source, reason: "corrupt gzip stream near compressed byte \(consumed.grouped): \(detail)")
        }
    }

    /// Compresses `input` into a single gzip member (used to build test archives and fixtures).
    static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        switch deflateGzip(input, level: level) {
        case let .deflated(output):
            return output
        case .cannotStart:
            throw ConvKitError.invalidArgument(name: "gzip level", reason: "zlib could not start deflating at level \(level)")
        case .inputTooLarge:
            throw ConvKitError.invalidArgument(name: "gzip input", reason: "\(input.count.grouped) bytes is too large to compress in one call")
        case let .failed(status):
            throw ConvKitError.invalidArgument(name: "gzip input", reason: "zlib deflate failed with status \(status)")
        }
    }
}
