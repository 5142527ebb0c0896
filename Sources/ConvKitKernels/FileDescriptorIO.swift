#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// POSIX read(2)/write(2) loops between an open file descriptor and a byte array. Calls interrupted
// by a signal (EINTR) are retried; every other failure is returned with its errno, captured right
// after the failing call, for the caller to report with the file's name.

/// The outcome of reading or writing a fixed number of bytes.
public enum FileTransferResult: Sendable, Equatable {
    /// All bytes were transferred.
    case complete
    /// A call failed with `errno` after `done` bytes had been transferred.
    case failed(done: Int, errno: Int32)
    /// Reading: the file ended after `done` bytes. Writing: `write` returned 0 after `done` bytes
    /// (it made no progress), with the `errno` then current.
    case ended(done: Int, errno: Int32)
}

/// Reads exactly `count` bytes from `fd`'s current position into `buffer[0..<count]`
/// (`count` ≤ `buffer.count`; bytes beyond `count` are left as they are).
public func readFully(descriptor fd: Int32, into buffer: inout [UInt8], count: Int) -> FileTransferResult {
    precondition(count >= 0 && count <= buffer.count, "readFully: count exceeds the buffer")
    return buffer.withUnsafeMutableBytes { buffer -> FileTransferResult in
        guard let base = buffer.baseAddress else { return .complete }
        var done = 0
        while done < count {
            let n = read(fd, base + done, count - done)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                return .failed(done: done, errno: code)
            }
            if n == 0 { return .ended(done: done, errno: 0) }
            done += n
        }
        return .complete
    }
}

/// The outcome of ``readAvailable(descriptor:into:)``.
public enum FileReadResult: Sendable, Equatable {
    /// `count` bytes were read into the start of the buffer (0: end of file).
    case read(count: Int)
    /// `read` failed with `errno`.
    case failed(errno: Int32)
}

/// One `read` of up to `buffer.count` bytes from `fd` into the start of `buffer` (retried on EINTR).
public func readAvailable(descriptor fd: Int32, into buffer: inout [UInt8]) -> FileReadResult {
    buffer.withUnsafeMutableBytes { buffer -> FileReadResult in
        guard let base = buffer.baseAddress else { return .read(count: 0) }
        while true {
            let n = read(fd, base, buffer.count)
            if n >= 0 { return .read(count: n) }
            let code = errno
            if code != EINTR { return .failed(errno: code) }
        }
    }
}

/// Writes `bytes[range]` to `fd` at its current position, looping over partial writes.
public func writeFully(descriptor fd: Int32, _ bytes: [UInt8], range: Range<Int>) -> FileTransferResult {
    precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "writeFully: range outside the bytes")
    return bytes.withUnsafeBytes { buffer -> FileTransferResult in
        guard let base = buffer.baseAddress, !range.isEmpty else { return .complete }
        var done = 0
        while done < range.count {
            let n = write(fd, base + range.lowerBound + done, range.count - done)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                return .failed(done: done, errno: code)
            }
            if n == 0 { return .ended(done: done, errno: errno) }
            done += n
        }
        return .complete
    }
}
