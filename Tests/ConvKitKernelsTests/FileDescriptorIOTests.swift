#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import ConvKitKernels

/// read(2)/write(2) loops through a real temporary file.
@Suite struct FileDescriptorIOTests {
    @Test func writesReadsAndReportsTheEnd() throws {
        var template = Array("/tmp/convkit-fdio-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd); unlink(path) }

        let bytes = (0..<3_000).map { UInt8($0 % 251) }
        #expect(writeFully(descriptor: fd, bytes, range: 100..<2_600) == .complete)  // 2,500 bytes
        #expect(writeFully(descriptor: fd, bytes, range: 5..<5) == .complete)
        #expect(lseek(fd, 0, SEEK_SET) == 0)

        var buffer = [UInt8](repeating: 7, count: 2_000)
        #expect(readFully(descriptor: fd, into: &buffer, count: 1_500) == .complete)
        #expect(Array(buffer[0..<1_500]) == Array(bytes[100..<1_600]))
        #expect(buffer[1_500...].allSatisfy { $0 == 7 })  // beyond count: untouched

        #expect(readAvailable(descriptor: fd, into: &buffer) == .read(count: 1_000))  // the rest of the file
        #expect(Array(buffer[0..<1_000]) == Array(bytes[1_600..<2_600]))
        #expect(readAvailable(descriptor: fd, into: &buffer) == .read(count: 0))

        #expect(lseek(fd, 2_000, SEEK_SET) == 2_000)
        #expect(readFully(descriptor: fd, into: &buffer, count: 1_000) == .ended(done: 500, errno: 0))
    }

    @Test func failuresCarryErrno() {
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(readFully(descriptor: -1, into: &buffer, count: 16) == .failed(done: 0, errno: EBADF))
        #expect(readAvailable(descriptor: -1, into: &buffer) == .failed(errno: EBADF))
        #expect(writeFully(descriptor: -1, buffer, range: 0..<16) == .failed(done: 0, errno: EBADF))
    }
}
