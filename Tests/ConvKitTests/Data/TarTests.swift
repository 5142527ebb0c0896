import Foundation
import Testing
@testable import ConvKit

@Suite struct TarTests {
    func fixture(_ name: String) throws -> [UInt8] { try DataFile.readAll(Repository.fixture("tar/" + name)) }

    @Test func extractsFilesAndDirectoriesOfAPythonWrittenArchive() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let archive = try fixture("good.tar")
        #expect(try Tar.entries(archive, source: "good.tar").map(\.path) == ["data", "data/hello.txt", "data/sub/two.bin"])
        try Tar.extract(archive, source: "good.tar", into: folder.path)
        #expect(try DataFile.readAll(folder.file("data/hello.txt")) == Array("hello\n".utf8))
        #expect(try DataFile.readAll(folder.file("data/sub/two.bin")) == [0, 1, 2, 255])
    }

    @Test func ourWriterAndReaderAgree() throws {
        let archive = TarWriter.archive([.directory("d/"), .file("d/a", [1, 2, 3]), .file("d/b", [UInt8](repeating: 9, count: 700))])
        let entries = try Tar.entries(archive, source: "t")
        #expect(entries.map(\.path) == ["d", "d/a", "d/b"])
        #expect(entries.map(\.kind) == [.directory, .file, .file])
        // Contents start after each header: a at 512·2, b after a's padded block at 512·4.
        #expect(entries[1].contents == 1024..<1027)
        #expect(entries[2].contents == 2048..<2748)
    }

    @Test(arguments: [
        ("dotdot.tar", "member 'data/../../evil': refusing a path with a '..' component"),
        ("absolute.tar", "member '/tmp/convkit-evil': refusing an absolute path"),
        ("symlink.tar", "member 'data/passwd': refusing a symbolic link (to '/etc/passwd'); only regular files and directories are extracted"),
    ])
    func refusesUnsafeMembersBeforeWritingAnything(name: String, message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let error = expectConvKitError { try Tar.extract(try fixture(name), source: name, into: folder.path) }
        #expect(error?.description.hasPrefix("\(name): tar header at byte ") == true)
        #expect(error?.description.hasSuffix(message) == true, "\(String(describing: error))")
        #expect(try folder.listing().isEmpty)  // not even dotdot.tar's harmless first member
        #expect(!FileManager.default.fileExists(atPath: "/tmp/convkit-evil"))
    }

    @Test func badChecksumAndTruncationAreReported() throws {
        var archive = TarWriter.archive([.file("a", [UInt8](repeating: 1, count: 600))])
        let truncated = Array(archive.prefix(1000))
        let cut = expectConvKitError { _ = try Tar.entries(truncated, source: "t") }
        #expect(cut?.description.contains("truncated: 600 bytes announced, 488 left") == true)  // 1,000 − 512 = 488

        archive[0] = UInt8(ascii: "b")  // name changed, checksum not updated: off by one
        let sum = expectConvKitError { _ = try Tar.entries(archive, source: "t") }
        #expect(sum?.description.contains("does not match the header's byte sum") == true)
    }

    @Test func octalFieldsParseAsTarWritesThem() {
        #expect(Tar.octal(ArraySlice(Array("00000001750 ".utf8))) == 1000)  // 1750₈ = 1000
        #expect(Tar.octal(ArraySlice(Array("  644\0".utf8))) == 420)  // 644₈ = 420
        #expect(Tar.octal(ArraySlice(Array("12a".utf8))) == nil)
        #expect(Tar.octal(ArraySlice([0x80, 0, 0, 1])) == nil)  // base-256 not accepted
    }
}
