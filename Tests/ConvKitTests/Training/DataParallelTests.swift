import Testing
@testable import ConvKit

/// An evaluation batch split among replicas of the network (``DataParallel``) gives the logits
/// one thread computes, bit for bit.
@Suite struct DataParallelTests {
    static func images(_ batch: Int, seed: UInt64) -> Tensor {
        var random = RandomGenerator(seed: seed)
        var images = Tensor(shape: [batch, 3, 32, 32])
        for i in 0..<images.count { images.storage[i] = random.nextNormal() }
        return images
    }

    /// Evaluation at 2 and 3 threads (slices claimed by replicas, 150 images: 64, 64 and 22)
    /// gives one thread's logits, bit for bit; the input is left as it was.
    @Test(arguments: [2, 3]) func evaluationMatchesOneThread(threads: Int) throws {
        let network = try Network(Zoo.lenet5(), seed: 3)
        let images = Self.images(150, seed: 4)
        var one = RunContext(training: false, threads: 1)
        let reference = try network.forward(images, &one)
        var several = RunContext(training: false, threads: threads)
        let split = try network.forward(images, &several)
        #expect(split.shape == [150, 10])
        #expect(split.storage.map(\.bitPattern) == reference.storage.map(\.bitPattern))
        #expect(images.storage == Self.images(150, seed: 4).storage)
        // The replicas let go of the weights: the network's parameters are again its own.
        // (A write then copies nothing: the storage stays where it was.)
        for p in network.parameters {
            let before = p.value.storage.withUnsafeBufferPointer { $0.baseAddress }
            p.value.storage[0] += 0
            #expect(p.value.storage.withUnsafeBufferPointer { $0.baseAddress } == before, "\(p.name)")
        }
    }
}
