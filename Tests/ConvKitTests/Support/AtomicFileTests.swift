import Foundation
import Testing
@testable import ConvKit

/// A fresh empty directory under the system's temporary folder; the caller removes it.
func makeScratchDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct AtomicFileTests {
    @Test func writesANewFileAndLeavesNoTemporaryBehind() throws {
        let dir = try makeScratchDirectory("atomic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        try AtomicFile.write([1, 2, 3, 0, 255], to: path)
        #expect(try FileBytes.read(path) == [1, 2, 3, 0, 255])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.bin"])
    }

    @Test func overwritesWithShorterContentsExactly() throws {
        let dir = try makeScratchDirectory("atomic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.txt"
        try AtomicFile.write(Data("a long first version\n".utf8), to: path)
        try AtomicFile.write(Data("short\n".utf8), to: path)
        #expect(try FileBytes.read(path) == Array("short\n".utf8))
        try AtomicFile.write([], to: path)
        #expect(try FileBytes.read(path) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.txt"])
    }

    @Test func failsCleanlyIntoAMissingDirectory() throws {
        let dir = try makeScratchDirectory("atomic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/missing/out.bin"
        let error = expectConvKitError { try AtomicFile.write([1], to: path) }
        #expect(error == .fileError(file: path, reason: "cannot create temporary file in \(dir)/missing: No such file or directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    /// The rename step fails (a non-empty directory sits at the target): the temporary file
    /// must be removed again and the directory left as it was.
    @Test func failedRenameRemovesTheTemporaryFile() throws {
        let dir = try makeScratchDirectory("atomic")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/target"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try AtomicFile.write([7], to: target + "/keep")
        let error = expectConvKitError { try AtomicFile.write([1, 2], to: target) }
        guard case let .fileError(file, reason)? = error else { Issue.record("expected fileError, got \(String(describing: error))"); return }
        #expect(file == target)
        #expect(reason.hasPrefix("cannot rename \(dir)/.target.tmp-"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["target"])
        #expect(try FileBytes.read(target + "/keep") == [7])
    }

    @Test func rejectsPathsThatNameNoFile() {
        #expect(expectConvKitError { try AtomicFile.write([1], to: "") } == .fileError(file: "", reason: "not a file path (empty or ends with '/')"))
        #expect(expectConvKitError { try AtomicFile.write([1], to: "/tmp/") } == .fileError(file: "/tmp/", reason: "not a file path (empty or ends with '/')"))
    }

    @Test func readingMissingFilesAndDirectoriesFailsWithTheReason() throws {
        let dir = try makeScratchDirectory("read")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(expectConvKitError { _ = try FileBytes.read(dir + "/nope") } == .fileError(file: dir + "/nope", reason: "cannot open: No such file or directory"))
        #expect(expectConvKitError { _ = try FileBytes.read(dir) } == .fileError(file: dir, reason: "is a directory, expected a file"))
    }
}
