import Testing
@testable import ConvKit

/// Speed work must not cost reproducibility or correctness of training steps.
@Suite struct DeterminismTests {
    /// A few SGD steps of LeNet-5 on a fixed synthetic batch; returns every parameter's bits.
    static func train(threads: Int, batch: Int = 6, steps: Int = 3, needsInputGradient: Bool = false) throws -> [[UInt32]] {
        let network = try Network(Zoo.lenet5(), seed: 7)
        var random = RandomGenerator(seed: 8)
        var images = Tensor(shape: [batch, 3, 32, 32])
        for i in 0..<images.count { images.storage[i] = random.nextNormal() }
        let labels = (0..<batch).map { $0 % 10 }
        let sgd = SGD(learningRate: 0.01, momentum: 0.9)
        for _ in 0..<steps {
            var context = RunContext(training: true, threads: threads)
            context.needsInputGradient = needsInputGradient
            network.zeroGradients()
            let logits = try network.forward(images, &context)
            let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            try network.backward(result.gradient, &context)
            sgd.step(network.parameters)
        }
        return network.parameters.map { $0.value.storage.map(\.bitPattern) }
    }

    /// Same seed and thread count → bit-identical weights (two threads: chunked convolution,
    /// column-split GEMMs, the thread pool).
    @Test func twoThreadRunsAreBitIdentical() throws {
        let first = try Self.train(threads: 2)
        let second = try Self.train(threads: 2)
        #expect(first == second)
        // And the run did change the weights (the comparison is not between two untouched inits).
        let untouched = try Network(Zoo.lenet5(), seed: 7).parameters.map { $0.value.storage.map(\.bitPattern) }
        #expect(first != untouched)
    }

    /// Skipping the network's input gradient changes no parameter gradient.
    @Test func skippingTheInputGradientChangesNothing() throws {
        #expect(try Self.train(threads: 1, needsInputGradient: false) == (try Self.train(threads: 1, needsInputGradient: true)))
    }

    /// With the input gradient skipped, the first convolution returns zeros of the input's shape;
    /// when asked for, it is the real (non-zero) gradient.
    @Test func skippedInputGradientIsZero() throws {
        let network = try Network(Zoo.lenet5(), seed: 1)
        var images = Tensor(shape: [2, 3, 32, 32])
        var random = RandomGenerator(seed: 2)
        for i in 0..<images.count { images.storage[i] = random.nextNormal() }
        for needed in [false, true] {
            var context = RunContext(training: true)
            context.needsInputGradient = needed
            let logits = try network.forward(images, &context)
            let gradient = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [1, 2]).gradient
            let dx = try network.backward(gradient, &context)
            #expect(dx.shape == [2, 3, 32, 32])
            #expect(dx.storage.contains { $0 != 0 } == needed)
            #expect(context.needsInputGradient == needed)
        }
    }

    /// In steady state a layer's output buffer is reused: the logits of later steps live where
    /// those of the second did (once the caller has let go of them). Between steps a block of
    /// the same size is allocated and kept, so a freed-and-reallocated buffer would move.
    @Test func steadyStateReusesOutputBuffers() throws {
        let network = try Network(Zoo.lenet5(), seed: 3)
        let images = Tensor(shape: [4, 3, 32, 32], repeating: 0.5)
        var addresses: [Int] = []
        var held: [[Float]] = []
        for _ in 0..<4 {
            defer { held.append([Float](repeating: 1, count: 40)) }
            var context = RunContext(training: true)
            context.needsInputGradient = false
            let logits = try network.forward(images, &context)
            addresses.append(logits.storage.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) })
            let gradient = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1, 2, 3]).gradient
            try network.backward(gradient, &context)
        }
        #expect(addresses[1] == addresses[2] && addresses[2] == addresses[3], "\(addresses)")
        #expect(held.count == 4)
    }
}
