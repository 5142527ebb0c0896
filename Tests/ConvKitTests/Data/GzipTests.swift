import Foundation
import Testing
@testable import ConvKit

@Suite struct GzipTests {
    @Test func roundTripsAndReadsTheGzipTool() throws {
        var random = RandomGenerator(seed: 7)
        let bytes = (0..<100_000).map { _ in UInt8(random.nextInt(below: 16)) }
        let packed = try Gzip.compress(bytes)
        #expect(Gzip.isGzip(packed))
        #expect(packed.count < bytes.count)
        #expect(try Gzip.decompress(packed, source: "x", maxOutputSize: 1 << 20) == bytes)

        // Written by `gzip -9 -n` (an independent encoder).
        let tool = try DataFile.readAll(Repository.fixture("gzip/hello.txt.gz"))
        #expect(try Gzip.decompress(tool, source: "hello", maxOutputSize: 100) == Array("hello from gzip\n".utf8))
    }

    @Test func concatenatedMembersAreJoined() throws {
        let joined = try Gzip.compress(Array("ab".utf8)) + Gzip.compress(Array("cd".utf8))
        #expect(try Gzip.decompress(joined, source: "x", maxOutputSize: 100) == Array("abcd".utf8))
    }

    @Test func corruptTruncatedAndOversizedStreamsThrow() throws {
        let packed = try Gzip.compress([UInt8](repeating: 42, count: 10_000))
        var corrupt = packed
        for i in 10..<min(20, corrupt.count) { corrupt[i] ^= 0xFF }
        let bad = expectConvKitError { _ = try Gzip.decompress(corrupt, source: "bad.gz", maxOutputSize: 1 << 20) }
        #expect(bad?.description.hasPrefix("bad.gz: corrupt gzip stream") == true)

        let cut = expectConvKitError { _ = try Gzip.decompress(Array(packed.prefix(packed.count / 2)), source: "cut.gz", maxOutputSize: 1 << 20) }
        #expect(cut?.description.hasPrefix("cut.gz: truncated gzip stream") == true)

        let big = expectConvKitError { _ = try Gzip.decompress(packed, source: "big.gz", maxOutputSize: 9_999) }
        #expect(big == .fileError(file: "big.gz", reason: "decompresses to more than 9,999 bytes, the limit for this file"))

        #expect(expectConvKitError { _ = try Gzip.decompress([], source: "e", maxOutputSize: 10) } != nil)
    }
}
