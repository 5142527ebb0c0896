import Testing
@testable import ConvKitKernels

/// zlib through ``deflateGzip(_:level:)`` and ``inflateBounded(_:maxOutputSize:)``: round trips,
/// joined members, and every failure reported as a value.
@Suite struct InflateTests {
    static func deflated(_ bytes: [UInt8]) throws -> [UInt8] {
        guard case let .deflated(packed) = deflateGzip(bytes, level: 6) else { throw Failure() }
        return packed
    }
    struct Failure: Error {}

    @Test func roundTripsAndJoinsMembers() throws {
        // 200,000 bytes of 16 values compress to far less than 16 KiB, so the output starts at 64 KiB and
        // doubles: to 256 KiB under a 1 MiB limit, to 128 KiB and then exactly 200,000 under a 200,000 limit.
        let bytes = (0..<200_000).map { (i: Int) -> UInt8 in UInt8((i * 7 + i / 3) % 16) }
        let packed = try Self.deflated(bytes)
        #expect(packed.count < bytes.count && packed[0] == 0x1F && packed[1] == 0x8B)
        #expect(inflateBounded(packed, maxOutputSize: 1 << 20) == .inflated(bytes))
        #expect(inflateBounded(packed, maxOutputSize: 200_000) == .inflated(bytes))  // exactly at the limit
        let joined = try Self.deflated(Array("ab".utf8)) + Self.deflated(Array("cd".utf8)) + [0, 1]  // trailing junk ignored
        #expect(inflateBounded(joined, maxOutputSize: 100) == .inflated(Array("abcd".utf8)))
        #expect(inflateBounded(try Self.deflated([]), maxOutputSize: 10) == .inflated([]))
    }

    @Test func failuresAreReported() throws {
        let packed = try Self.deflated([UInt8](repeating: 42, count: 10_000))
        #expect(inflateBounded(packed, maxOutputSize: 9_999) == .outputLimitExceeded)
        #expect(inflateBounded([], maxOutputSize: 10) == .emptyInput)
        guard case let .truncated(consumed, _) = inflateBounded(Array(packed.prefix(packed.count / 2)), maxOutputSize: 1 << 20) else {
            Issue.record("a cut stream is not reported as truncated"); return
        }
        #expect(consumed == packed.count / 2)
        var corrupt = packed
        for i in 10..<min(20, corrupt.count) { corrupt[i] ^= 0xFF }
        guard case let .corrupt(_, status, message) = inflateBounded(corrupt, maxOutputSize: 1 << 20) else {
            Issue.record("a damaged stream is not reported as corrupt"); return
        }
        #expect(status < 0 && message != nil)
        #expect(deflateGzip([1, 2, 3], level: 42) == .cannotStart)
    }
}
