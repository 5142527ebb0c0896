import Dispatch
import Foundation
import Testing
@testable import ConvKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for the download tests only:
/// it answers at most `requests` connections with `status` and `body`, waits at most 10 s for
/// each, then closes its socket. It never touches any other address.
final class LocalHTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let finished = DispatchSemaphore(value: 0)
    /// The request lines received (read only after ``finish()``).
    private var requestLines: [String] = []

    init(body: [UInt8], status: Int = 200, requests: Int = 1) throws {
        #if os(Linux)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let listener = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard listener >= 0 else { throw ConvKitError.fileError(file: "socket", reason: "cannot create") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0  // ephemeral
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian  // 127.0.0.1
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 4) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard ok else {
            close(listener)
            throw ConvKitError.fileError(file: "socket", reason: "cannot listen on 127.0.0.1")
        }
        self.listener = listener
        self.port = UInt16(bigEndian: address.sin_port)
        let head = Array("HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Length: \(body.count)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n".utf8)
        Thread.detachNewThread { [self] in
            for _ in 0..<requests {
                var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 10_000) == 1 else { break }
                let client = accept(listener, nil, nil)
                guard client >= 0 else { break }
                requestLines.append(readHead(client).components(separatedBy: "\r\n").first ?? "")
                sendAll(client, head + body)
                close(client)
            }
            close(listener)
            finished.signal()
        }
    }

    /// `http://127.0.0.1:PORT/NAME`.
    func url(_ name: String = "cifar-10-binary.tar.gz") throws -> URL {
        try #require(URL(string: "http://127.0.0.1:\(port)/\(name)"))
    }

    /// Waits for the serving thread to end (all requests served, or 10 s without one) and returns
    /// the request lines it saw.
    func finish() -> [String] {
        _ = finished.wait(timeout: .now() + 15)
        return requestLines
    }

    private func readHead(_ client: Int32) -> String {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while request.count < 65_536 {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { break }
            request += buffer[0..<n]
            if String(decoding: request, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        return String(decoding: request, as: UTF8.self)
    }

    private func sendAll(_ client: Int32, _ bytes: [UInt8]) {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        var one: Int32 = 1
        setsockopt(client, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        let flags: Int32 = 0
        #endif
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var sent = 0
            while sent < buffer.count {
                let n = send(client, base + sent, buffer.count - sent, flags)
                if n <= 0 { return }
                sent += n
            }
        }
    }
}

@Suite struct CIFAR10DownloadTests {
    /// A gzipped tar of a small `cifar-10-batches-bin/` folder, plus `extra` members after it.
    func archive(extra: [TarWriter.Member] = []) throws -> [UInt8] {
        let members = [TarWriter.Member.directory("cifar-10-batches-bin/")]
            + CIFARFixture.files().map { TarWriter.Member.file("cifar-10-batches-bin/" + $0.0, $0.1) } + extra
        return try Gzip.compress(TarWriter.archive(members))
    }

    func md5(_ bytes: [UInt8], in folder: TemporaryFolder) throws -> String {
        try folder.write(bytes, to: "served.tar.gz")
        return try CIFAR10Download.md5Hex(ofFile: folder.file("served.tar.gz"))
    }

    @Test func md5MatchesPublishedTestVectors() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        // RFC 1321, appendix A.5.
        #expect(try md5([], in: folder) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(try md5(Array("abc".utf8), in: folder) == "900150983cd24fb0d6963f7d28e17f72")
    }

    @Test func goodArchiveIsDownloadedVerifiedExtractedAndLoaded() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let body = try archive()
        let server = try LocalHTTPServer(body: body)
        let root = folder.file("cache")  // does not exist yet

        let test = try Datasets.loadCIFAR10(root: root, split: .test, download: true, url: try server.url(),
                                            expectedMD5: try md5(body, in: folder))
        #expect(server.finish() == ["GET /cifar-10-binary.tar.gz HTTP/1.1"])
        #expect(test.count == 3 && test.labels == [6, 7, 8])
        #expect(try folder.listing("cache") == ["cifar-10-batches-bin"])  // no temporary file or folder left
        #expect(try folder.listing("cache/cifar-10-batches-bin").count == 7)

        // Present now: loaded without a request (the server has stopped; a request would fail).
        let train = try Datasets.loadCIFAR10(root: root, split: .train, download: true, url: try server.url(), expectedMD5: "unused")
        #expect(train.count == 10)
    }

    @Test func wrongMD5IsRefusedAndLeavesNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let body = try archive()
        let actual = try md5(body, in: folder)
        let server = try LocalHTTPServer(body: body)
        let root = folder.file("cache")
        let error = expectConvKitError {
            _ = try Datasets.loadCIFAR10(root: root, split: .test, download: true, url: try server.url(),
                                         expectedMD5: "c32a1d4ab5d03f1284b67883e8d87530")
        }
        _ = server.finish()
        #expect(error == .fileError(file: try server.url().absoluteString, reason: "MD5 \(actual) does not match the expected c32a1d4ab5d03f1284b67883e8d87530: the download is damaged or not the CIFAR-10 binary archive; nothing was kept"))
        #expect(try folder.listing("cache").isEmpty)
    }

    @Test(arguments: [
        ("../evil", "member '../evil': refusing a path with a '..' component"),
        ("/tmp/convkit-download-evil", "member '/tmp/convkit-download-evil': refusing an absolute path"),
    ])
    func unsafeMembersAreRefusedAndLeaveNothing(member: String, message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let body = try archive(extra: [.file(member, Array("evil\n".utf8))])
        let server = try LocalHTTPServer(body: body)
        let error = expectConvKitError {
            _ = try Datasets.loadCIFAR10(root: folder.file("cache"), split: .test, download: true, url: try server.url(),
                                         expectedMD5: try md5(body, in: folder))
        }
        _ = server.finish()
        #expect(error?.description.hasSuffix(message) == true, "\(String(describing: error))")
        #expect(try folder.listing("cache").isEmpty)
        #expect(try folder.listing() == ["cache", "served.tar.gz"])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/convkit-download-evil"))
    }

    @Test func httpErrorsMissingDataAndIncompleteFoldersAreReported() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let server = try LocalHTTPServer(body: Array("not here".utf8), status: 404)
        let notFound = expectConvKitError {
            _ = try Datasets.loadCIFAR10(root: folder.file("cache"), split: .test, download: true, url: try server.url(), expectedMD5: "x")
        }
        _ = server.finish()
        #expect(notFound == .fileError(file: try server.url().absoluteString, reason: "download failed: HTTP status 404"))
        #expect(try folder.listing("cache").isEmpty)

        let noDownload = expectConvKitError {
            _ = try Datasets.loadCIFAR10(root: folder.file("cache"), split: .test, download: false, url: try server.url(), expectedMD5: "x")
        }
        #expect(noDownload?.description.contains("CIFAR-10 not found") == true)

        try folder.write([1], to: "cache/cifar-10-batches-bin/data_batch_1.bin")
        let incomplete = expectConvKitError {
            _ = try Datasets.loadCIFAR10(root: folder.file("cache"), split: .test, download: true, url: try server.url(), expectedMD5: "x")
        }
        #expect(incomplete?.description.contains("exists but does not hold all of") == true)
    }

    @Test func urlComesFromTheEnvironmentWhenSet() throws {
        #expect(try CIFAR10Download.url(environment: [:]).absoluteString == "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")
        #expect(try CIFAR10Download.url(environment: ["CONVKIT_CIFAR10_URL": "http://127.0.0.1:8000/c.tgz"]).absoluteString == "http://127.0.0.1:8000/c.tgz")
        #expect(expectConvKitError { _ = try CIFAR10Download.url(environment: ["CONVKIT_CIFAR10_URL": "ftp://x/c.tgz"]) }
                == .invalidArgument(name: "CONVKIT_CIFAR10_URL", reason: "'ftp://x/c.tgz' is not an http(s) URL"))
    }
}
