import ConvKitKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file binary reads for the dataset readers, with errors that name the file.
///
/// Readers first ask for ``size(of:)`` to validate a file's length against its format before
/// allocating anything, then read it with ``read(_:into:count:)`` straight into their own buffers.
enum DataFile {
    /// True when `path` names an existing regular file (or a link to one).
    static func isFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// True when `path` names an existing directory (or a link to one).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The size of a regular file in bytes; throws if it is missing or not a regular file.
    static func size(of path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConvKitError.fileError(file: path, reason: "cannot open: \(errorText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConvKitError.fileError(file: path, reason: "not a regular file")
        }
        return Int(info.st_size)
    }

    /// Reads exactly `count` bytes from the start of the file into `buffer[0..<count]`
    /// (`count` ≤ `buffer.count`; the rest of the buffer is left as it is).
    static func read(_ path: String, into buffer: inout [UInt8], count: Int) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ConvKitError.fileError(file: path, reason: "cannot open: \(errorText())") }
        defer { close(fd) }
        switch readFully(descriptor: fd, into: &buffer, count: count) {
        case .complete:
            return
        case let .failed(done, code):
            throw ConvKitError.fileError(file: path, reason: "read failed after \(done) bytes: \(errorText(code))")
        case let .ended(done, _):
            throw ConvKitError.fileError(file: path, reason: "file ended after \(done) of \(count) bytes (was it changed while reading?)")
        }
    }

    /// The whole file as bytes, refusing files larger than `limit` bytes before reading them.
    static func readAll(_ path: String, limit: Int = 1 << 31) throws -> [UInt8] {
        let size = try size(of: path)
        guard size <= limit else {
            throw ConvKitError.fileError(file: path, reason: "\(size.grouped) bytes is larger than the \(limit.grouped)-byte limit for this file")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        try read(path, into: &bytes, count: size)
        return bytes
    }

    private static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}
