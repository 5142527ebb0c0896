import Testing
@testable import ConvKit

@Suite struct BatchLoaderTests {
    /// `count` 1×1×2 images whose pixels are (i, 255 − i), label i % 3.
    func numbered(_ count: Int) throws -> ImageDataset {
        try ImageDataset(name: "numbered", images: (0..<count).flatMap { [UInt8($0), UInt8(255 - $0)] },
                         labels: (0..<count).map { UInt8($0 % 3) }, imageShape: [1, 1, 2], classNames: ["a", "b", "c"])
    }

    @Test func batchesInOrderWithAPartialLastBatch() throws {
        let loader = try BatchLoader(dataset: try numbered(10), batchSize: 4, normalization: .unit, shuffle: false)
        #expect(loader.batchCount == 3)  // ⌈10/4⌉
        var images = Tensor(shape: [0])
        var labels: [Int] = []
        var random = RandomGenerator(seed: 1)
        try loader.batch(1, into: &images, labels: &labels, random: &random)
        #expect(images.shape == [4, 1, 1, 2])
        #expect(labels == [1, 2, 0, 1])  // images 4…7, i % 3
        #expect(images.storage.map { Int(($0 * 255).rounded()) } == [4, 251, 5, 250, 6, 249, 7, 248])
        try loader.batch(2, into: &images, labels: &labels, random: &random)
        #expect(images.shape == [2, 1, 1, 2])
        #expect(labels == [2, 0])  // images 8, 9
        #expect(images.storage.map { Int(($0 * 255).rounded()) } == [8, 247, 9, 246])
        #expect(random == RandomGenerator(seed: 1))  // nothing drawn without augmentation
        #expect(expectConvKitError { try loader.batch(3, into: &images, labels: &labels, random: &random) } != nil)
    }

    @Test func shuffleVisitsEveryImageOnceAndIsSeeded() throws {
        var loader = try BatchLoader(dataset: try numbered(23), batchSize: 5, normalization: .half, shuffle: true)
        func epoch(seed: UInt64) throws -> [Int] {
            var random = RandomGenerator(seed: seed)
            loader.startEpoch(random: &random)
            var images = Tensor(shape: [0]), labels: [Int] = [], visited: [Int] = []
            for b in 0..<loader.batchCount {
                try loader.batch(b, into: &images, labels: &labels, random: &random)
                // .half: first pixel i ↦ (i/255 − 0.5)/0.5, so i = (v + 1)·255/2.
                for k in 0..<labels.count {
                    let i = Int(((images.storage[2 * k] + 1) * 127.5).rounded())
                    visited.append(i)
                    #expect(labels[k] == i % 3)
                }
            }
            return visited
        }
        let first = try epoch(seed: 3)
        #expect(first.sorted() == Array(0..<23))
        #expect(first != Array(0..<23))
        #expect(try epoch(seed: 3) == first)
        #expect(try epoch(seed: 4) != first)
    }

    @Test func buffersAreReusedAcrossPartialAndFullBatches() throws {
        let loader = try BatchLoader(dataset: try SyntheticShapes.make(count: 70, seed: 1), batchSize: 64,
                                     normalization: .half, augmentation: .standard, shuffle: false)
        var images = Tensor(shape: [0]), labels: [Int] = []
        var random = RandomGenerator(seed: 2)
        try loader.batch(0, into: &images, labels: &labels, random: &random)
        let storage = images.storage.withUnsafeBufferPointer { $0.baseAddress }
        try loader.batch(1, into: &images, labels: &labels, random: &random)
        #expect(images.shape == [6, 3, 32, 32])
        try loader.batch(0, into: &images, labels: &labels, random: &random)
        #expect(images.shape == [64, 3, 32, 32])
        #expect(images.storage.withUnsafeBufferPointer { $0.baseAddress } == storage)

        // Same seed, same augmented batch; another seed, another.
        var again = Tensor(shape: [0]), other = Tensor(shape: [0])
        var r1 = RandomGenerator(seed: 9), r2 = RandomGenerator(seed: 9), r3 = RandomGenerator(seed: 10)
        try loader.batch(0, into: &images, labels: &labels, random: &r1)
        try loader.batch(0, into: &again, labels: &labels, random: &r2)
        try loader.batch(0, into: &other, labels: &labels, random: &r3)
        #expect(images == again)
        #expect(images != other)
    }

    @Test func invalidBatchSizeThrows() throws {
        let error = expectConvKitError { _ = try BatchLoader(dataset: try numbered(3), batchSize: 0, normalization: .unit, shuffle: false) }
        #expect(error == .invalidArgument(name: "batch size", reason: "0 must be at least 1"))
    }
}
