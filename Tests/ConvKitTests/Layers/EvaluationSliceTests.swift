import Testing
@testable import ConvKit

/// Evaluation-mode batches above 64 images run through the network in slices of 64.
@Suite struct EvaluationSliceTests {
    @Test func slicedForwardEqualsForwardOfEachSlice() throws {
        let network = try Network(Zoo.lenet5(), seed: 5)
        var random = RandomGenerator(seed: 6)
        let n = 130  // slices of 64, 64 and 2 images
        var images = Tensor(shape: [n, 3, 32, 32])
        for i in 0..<images.count { images.storage[i] = random.nextNormal() }
        var evaluation = RunContext(training: false, threads: 2)
        let sliced = try network.forward(images, &evaluation)
        #expect(sliced.shape == [n, 10])

        // The same slices one by one (each small enough to run whole): bit-identical.
        var pieces: [Float] = []
        let perImage = 3 * 32 * 32
        for start in stride(from: 0, to: n, by: SequentialRuntime.evaluationSlice) {
            let b = min(SequentialRuntime.evaluationSlice, n - start)
            let part = try Tensor(shape: [b, 3, 32, 32], values: Array(images.storage[(start * perImage)..<((start + b) * perImage)]))
            pieces += try network.forward(part, &evaluation).storage
        }
        #expect(sliced.storage.map(\.bitPattern) == pieces.map(\.bitPattern))

        // And the whole batch at once (training mode does not slice; LeNet-5 has no batch
        // statistics or dropout): equal up to float rounding of the differently blocked GEMMs.
        var training = RunContext(training: true, threads: 2)
        let whole = try network.forward(images, &training)
        let error = zip(whole.storage, sliced.storage).map { abs($0 - $1) }.max() ?? 0
        #expect(error < 1e-5, "max difference \(error)")
    }
}
