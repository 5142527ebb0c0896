import Foundation
import Testing
@testable import ConvKit

@Suite struct MNISTTests {
    /// Writes both splits (train: 3 images, test: 2), raw or gzipped.
    func writeSplits(in folder: TemporaryFolder, gzip: Bool, subfolder: String = "") throws {
        let prefix = subfolder.isEmpty ? "" : subfolder + "/"
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", IDXFixture.images(count: 3)),
            ("train-labels-idx1-ubyte", IDXFixture.labels([5, 0, 9])),
            ("t10k-images-idx3-ubyte", IDXFixture.images(count: 2)),
            ("t10k-labels-idx1-ubyte", IDXFixture.labels([7, 2])),
        ]
        for (name, bytes) in files {
            if gzip { try folder.write(try Gzip.compress(bytes), to: prefix + name + ".gz") } else { try folder.write(bytes, to: prefix + name) }
        }
    }

    @Test(arguments: [false, true])
    func readsRawAndGzippedFilesAlike(gzip: Bool) throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try writeSplits(in: folder, gzip: gzip)
        #expect(MNIST.isPresent(in: folder.path))

        let train = try MNIST.load(directory: folder.path, split: .train)
        #expect(train.count == 3)
        #expect(train.imageShape == [1, 28, 28])
        #expect(train.labels == [5, 0, 9])
        #expect(train.classNames == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        // Image 2, pixel 100: (2·31 + 100) % 256 = 162.
        #expect(train.images[2 * 784 + 100] == 162)
        #expect(train.images.count == 3 * 784)

        let test = try MNIST.load(directory: folder.path, split: .test)
        #expect(test.labels == [7, 2])
        #expect(test.name == "mnist test")
    }

    @Test func wrongMagicNumberIsReported() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try writeSplits(in: folder, gzip: false)
        // A labels file where the images file should be.
        try folder.write(IDXFixture.labels([1, 2, 3]), to: "train-images-idx3-ubyte")
        let error = expectConvKitError { _ = try MNIST.load(directory: folder.path, split: .train) }
        #expect(error == .fileError(file: folder.file("train-images-idx3-ubyte"),
                                    reason: "magic number 2049 is not 2051, the IDX magic of unsigned-byte images (this is a labels file)"))
    }

    @Test func sizeThatDisagreesWithTheHeaderIsReported() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try writeSplits(in: folder, gzip: false)
        try folder.write(IDXFixture.images(count: 2, headerCount: 3), to: "train-images-idx3-ubyte")
        let error = expectConvKitError { _ = try MNIST.load(directory: folder.path, split: .train) }
        // 16 + 3·28·28 = 2,368 announced; 16 + 2·784 = 1,584 present.
        #expect(error == .fileError(file: folder.file("train-images-idx3-ubyte"),
                                    reason: "header announces 3 images of 28×28 = 2,368 bytes with the 16-byte header, but the file holds 1,584 bytes"))
    }

    @Test func labelAboveNineAndCountMismatchAreReported() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try writeSplits(in: folder, gzip: false)
        try folder.write(IDXFixture.labels([1, 12]), to: "t10k-labels-idx1-ubyte")
        let label = expectConvKitError { _ = try MNIST.load(directory: folder.path, split: .test) }
        #expect(label == .fileError(file: folder.file("t10k-labels-idx1-ubyte"), reason: "label 1 (byte offset 9) is 12, not a digit 0…9"))

        try folder.write(IDXFixture.labels([1, 2, 3]), to: "t10k-labels-idx1-ubyte")
        let count = expectConvKitError { _ = try MNIST.load(directory: folder.path, split: .test) }
        #expect(count?.description.contains("holds 2 images but") == true)
    }

    @Test func corruptGzipAndMissingFilesAreReported() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        try writeSplits(in: folder, gzip: true)
        var damaged = try Gzip.compress(IDXFixture.labels([5, 0, 9]))
        damaged.removeLast(12)  // cut the stream short
        try folder.write(damaged, to: "train-labels-idx1-ubyte.gz")
        let corrupt = expectConvKitError { _ = try MNIST.load(directory: folder.path, split: .train) }
        #expect(corrupt?.description.contains("train-labels-idx1-ubyte.gz: truncated gzip stream") == true)

        try FileManager.default.removeItem(atPath: folder.file("t10k-images-idx3-ubyte.gz"))
        let missing = expectConvKitError { _ = try MNIST.load(directory: folder.path, split: .test) }
        #expect(missing?.description.contains("not downloaded automatically") == true)
    }
}
