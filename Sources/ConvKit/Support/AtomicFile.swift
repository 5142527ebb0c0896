import ConvKitKernels
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole files atomically: a reader (or a crash) sees either the old contents or the new,
/// never a half-written file.
///
/// The bytes go to a fresh temporary file in the target's own directory (so the final `rename`
/// stays within one file system), named `.<name>.tmp-<pid>-<random hex>`, created with
/// `O_EXCL` and mode 0666 minus the umask. The temporary file is `fsync`ed, renamed over the
/// target, and then the directory is `fsync`ed so the rename itself is durable. If any step
/// before the rename fails, the temporary file is removed and the target is left untouched.
/// Symbolic links at `path` are replaced, not followed. On Darwin `fsync` does not force the
/// drive's cache (that needs `F_FULLFSYNC`); the atomicity guarantee holds either way.
public enum AtomicFile {
    /// Atomically replaces (or creates) the file at `path` with `bytes`.
    /// Throws ``ConvKitError/fileError(file:reason:)`` naming `path`, the failed step and the
    /// system's error description.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let (directory, name) = try split(path)
        let (fd, temporary) = try createTemporary(directory: directory, name: name, target: path)
        var renamed = false
        defer { if !renamed { _ = unlink(temporary) } }

        var closed = false
        do {
            defer { if !closed { _ = close(fd) } }
            try writeAll(fd, bytes, target: path)
            if fsync(fd) != 0 { throw failure(path, "cannot sync temporary file \(temporary)", errno) }
            closed = true
            if close(fd) != 0 { throw failure(path, "cannot close temporary file \(temporary)", errno) }
        }
        if rename(temporary, path) != 0 { throw failure(path, "cannot rename \(temporary) over it", errno) }
        renamed = true
        try syncDirectory(directory, target: path)
    }

    /// Atomically replaces (or creates) the file at `path` with `data`; see the `[UInt8]` overload.
    public static func write(_ data: Data, to path: String) throws {
        try write([UInt8](data), to: path)
    }

    /// `("dir", "name")` for `dir/name`, `(".", "name")` for a bare name.
    private static func split(_ path: String) throws -> (directory: String, name: String) {
        guard !path.isEmpty, !path.hasSuffix("/") else {
            throw ConvKitError.fileError(file: path, reason: "not a file path (empty or ends with '/')")
        }
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    private static func createTemporary(directory: String, name: String, target: String) throws -> (Int32, String) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<16 {
            let suffix = String(generator.next() as UInt64, radix: 16)
            let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(suffix)"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 { return (fd, temporary) }
            let code = errno
            if code != EEXIST { throw failure(target, "cannot create temporary file in \(directory)", code) }
        }
        throw ConvKitError.fileError(file: target, reason: "cannot create a temporary file in \(directory): names keep colliding")
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], target: String) throws {
        switch writeFully(descriptor: fd, bytes, range: 0..<bytes.count) {
        case .complete:
            return
        case let .failed(_, code), let .ended(_, code):
            throw failure(target, "cannot write temporary file", code)
        }
    }

    private static func syncDirectory(_ directory: String, target: String) throws {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw failure(target, "written, but cannot open directory \(directory) to sync it", errno) }
        defer { _ = close(fd) }
        // Some file systems cannot sync a directory (EINVAL); the rename has happened regardless.
        if fsync(fd) != 0, errno != EINVAL {
            throw failure(target, "written, but cannot sync directory \(directory)", errno)
        }
    }

    static func failure(_ path: String, _ step: String, _ code: Int32) -> ConvKitError {
        .fileError(file: path, reason: "\(step): \(systemErrorDescription(code))")
    }
}

/// The C library's description of an `errno` value, e.g. "No such file or directory".
func systemErrorDescription(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

extension AtomicFile {
    /// Writes `text` as UTF-8, atomically (see ``write(_:to:)-(Data,_)``).
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
