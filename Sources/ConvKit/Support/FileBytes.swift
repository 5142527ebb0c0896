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
            let count = chunk.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                return posixRead(fd, base, buffer.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.failure(path, "cannot read", errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}

/// `read(2)`, named apart from `FileBytes.read(_:)`, which shadows it inside the enum.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
