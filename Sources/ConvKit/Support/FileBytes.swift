import ConvKitKernels
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole files into memory with precise, path-naming errors.
public enum FileBytes {
    /// All bytes of the regular file at `path`. Throws ``ConvKitError/fileError(file:reason:)``
    /// with the system's error description when it cannot be opened or read, or is a directory.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw AtomicFile.failure(path, "cannot open", errno) }
        defer { _ = close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw AtomicFile.failure(path, "cannot stat", errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ConvKitError.fileError(file: path, reason: "is a directory, expected a file")
        }
        // The size is only a hint (the file may change while we read); read until end of file.
        var bytes = [UInt8]()
        bytes.reserveCapacity(max(0, Int(info.st_size)))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            switch readAvailable(descriptor: fd, into: &chunk) {
            case let .failed(code):
                throw AtomicFile.failure(path, "cannot read", code)
            case .read(count: 0):
                return bytes
            case let .read(count):
                bytes.append(contentsOf: chunk[0..<count])
            }
        }
    }
}
