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
/// allocating anything, then read it with ``read(_:into:)`` straight into their own buffers.
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

    /// Reads exactly `buffer.count` bytes from the start of the file into `buffer`.
    static func read(_ path: String, into buffer: UnsafeMutableRawBufferPointer) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ConvKitError.fileError(file: path, reason: "cannot open: \(errorText())") }
        defer { close(fd) }
        var done = 0
        while done < buffer.count {
            guard let base = buffer.baseAddress else { break }
            let n = posixRead(fd, base + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ConvKitError.fileError(file: path, reason: "read failed after \(done) bytes: \(errorText())")
            }
            if n == 0 {
                throw ConvKitError.fileError(file: path, reason: "file ended after \(done) of \(buffer.count) bytes (was it changed while reading?)")
            }
            done += n
        }
    }

    /// The whole file as bytes, refusing files larger than `limit` bytes before reading them.
    static func readAll(_ path: String, limit: Int = 1 << 31) throws -> [UInt8] {
        let size = try size(of: path)
        guard size <= limit else {
            throw ConvKitError.fileError(file: path, reason: "\(size.grouped) bytes is larger than the \(limit.grouped)-byte limit for this file")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        try bytes.withUnsafeMutableBytes { try read(path, into: $0) }
        return bytes
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// `read(2)`, named apart from `DataFile.read(_:into:)`.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
