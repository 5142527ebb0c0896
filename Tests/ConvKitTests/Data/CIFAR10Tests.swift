import Foundation
import Testing
@testable import ConvKit

@Suite struct CIFAR10Tests {
    @Test func readsBothSplitsWithPixelsAndLabelsInPlace() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try CIFARFixture.writeFolder(in: folder)

        let train = try CIFAR10.load(directory: folder.path, split: .train)
        #expect(train.count == 10)  // 5 files × 2 records
        #expect(train.imageShape == [3, 32, 32])
        #expect(train.name == "cifar10 train")
        // Image 5 is record 1 of data_batch_3.bin (seed 3): label (3 + 1) % 10 = 4,
        // pixel p = (3·7 + 1·13 + p) % 256 = (34 + p) % 256.
        #expect(train.labels[5] == 4)
        #expect(train.images[5 * 3072] == 34)
        #expect(train.images[5 * 3072 + 3071] == UInt8((34 + 3071) % 256))

        let test = try CIFAR10.load(directory: folder.path, split: .test)
        #expect(test.count == 3)
        #expect(test.labels == [6, 7, 8])  // (6 + r) % 10
        #expect(test.classNames.first == "airplane")
    }

    @Test func truncatedFileNamesTheFileAndTheSizes() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try CIFARFixture.writeFolder(in: folder)
        try folder.write(CIFARFixture.records(2, seed: 3) + [0], to: "data_batch_3.bin")  // 2·3,073 + 1 = 6,147 bytes

        let error = expectConvKitError { _ = try CIFAR10.load(directory: folder.path, split: .train) }
        #expect(error == .fileError(file: folder.file("data_batch_3.bin"),
                                    reason: "truncated: 6,147 bytes is not a whole number of 3,073-byte records (expected a multiple of 3,073, e.g. 6,146 bytes for 2 records)"))
    }

    @Test func labelAboveNineNamesFileRecordAndLabel() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try CIFARFixture.writeFolder(in: folder)
        try folder.write(CIFARFixture.records(3, seed: 6) { $0 == 1 ? 200 : 0 }, to: "test_batch.bin")

        let error = expectConvKitError { _ = try CIFAR10.load(directory: folder.path, split: .test) }
        // Record 1 starts at byte 1 · 3,073.
        #expect(error == .fileError(file: folder.file("test_batch.bin"),
                                    reason: "record 1 (byte offset 3,073): label 200 is not a CIFAR-10 class (0…9)"))
    }

    @Test func missingAndEmptyFilesAreReported() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try CIFARFixture.writeFolder(in: folder)
        try FileManager.default.removeItem(atPath: folder.file("data_batch_5.bin"))
        let missing = expectConvKitError { _ = try CIFAR10.load(directory: folder.path, split: .train) }
        #expect(missing?.description.hasPrefix(folder.file("data_batch_5.bin") + ": cannot open") == true)
        #expect(!CIFAR10.isPresent(in: folder.path))

        try folder.write([], to: "test_batch.bin")
        let empty = expectConvKitError { _ = try CIFAR10.load(directory: folder.path, split: .test) }
        #expect(empty?.description.contains("empty") == true)
    }

    @Test func classNamesComeFromTheMetaFileOrTheStandardList() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try CIFARFixture.writeFolder(in: folder, meta: nil)
        #expect(try CIFAR10.classNames(directory: folder.path) == CIFAR10.standardClassNames)

        let custom = (0..<10).map { "class \($0)" }
        try folder.write(Array((custom.joined(separator: "\r\n") + "\r\n\n").utf8), to: "batches.meta.txt")
        #expect(try CIFAR10.load(directory: folder.path, split: .test).classNames == custom)

        try folder.write(Array("cat\ndog\nbird\n".utf8), to: "batches.meta.txt")
        let error = expectConvKitError { _ = try CIFAR10.load(directory: folder.path, split: .test) }
        #expect(error == .fileError(file: folder.file("batches.meta.txt"), reason: "expected 10 class names, one per line; found 3 lines"))
    }

    /// The real dataset, when present (never committed): `../shared/data` next to the checkout,
    /// or `$CONVKIT_DATA`.
    static let realFolder: String? = {
        var candidates = [Repository.root.deletingLastPathComponent().appendingPathComponent("shared/data").path]
        if let data = ProcessInfo.processInfo.environment["CONVKIT_DATA"] { candidates.append(data) }
        return candidates.map { ($0 as NSString).appendingPathComponent(CIFAR10.folderName) }.first { CIFAR10.isPresent(in: $0) }
    }()

    @Test(.enabled(if: realFolder != nil, "the real CIFAR-10 folder is not present"))
    func readsTheRealTestBatch() throws {
        let test = try CIFAR10.load(directory: try #require(Self.realFolder), split: .test)
        #expect(test.count == 10_000)
        #expect(test.classNames == CIFAR10.standardClassNames)
        // The published test batch holds exactly 1,000 images of each class.
        var perClass = [Int](repeating: 0, count: 10)
        for label in test.labels { perClass[Int(label)] += 1 }
        #expect(perClass == [Int](repeating: 1_000, count: 10))
    }
}
