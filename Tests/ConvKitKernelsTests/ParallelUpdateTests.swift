import Testing
@testable import ConvKitKernels

/// The SGD step over several parameters in one parallel region against the one-array step on each
/// parameter in turn: bit for bit, for odd sizes (SIMD8 blocks and scalar tails cut anywhere by
/// the chunks), an empty parameter, masks, with and without momentum, and 1, 2 and 3 threads.
@Suite struct ParallelUpdateTests {
    /// Sizes summing to more than the parallel threshold (21,400 elements) and to less (36).
    static let sizeSets = [[7, 16_389, 1, 0, 5_003], [3, 33]]

    @Test(arguments: [1, 2, 3], [Float(0.9), 0])
    func matchesOneArrayUpdates(threads: Int, momentum: Float) {
        for (setIndex, sizes) in Self.sizeSets.enumerated() {
            for nesterov in momentum == 0 ? [false] : [false, true] {
                let seed = UInt64(100 * setIndex)
                let gradients = sizes.enumerated().map { GemmTests.values($0.element, seed: seed + UInt64($0.offset) + 1) }
                let masks: [[Float]?] = sizes.enumerated().map { index, count in
                    index % 2 == 0 ? nil : (0..<count).map { Float($0 % 3 == 0 ? 0 : 1) }
                }
                var thetas = sizes.enumerated().map { GemmTests.values($0.element, seed: seed + UInt64($0.offset) + 11) }
                var velocities = momentum == 0 ? [] : sizes.enumerated().map { GemmTests.values($0.element, seed: seed + UInt64($0.offset) + 21) }
                var expectedThetas = thetas, expectedVelocities = velocities
                for index in sizes.indices {
                    if momentum == 0 {
                        var none: [Float] = []
                        sgdUpdate(&expectedThetas[index], gradient: gradients[index], velocity: &none, mask: masks[index],
                                  learningRate: 0.1, momentum: 0, weightDecay: 0.01, nesterov: nesterov)
                    } else {
                        sgdUpdate(&expectedThetas[index], gradient: gradients[index], velocity: &expectedVelocities[index],
                                  mask: masks[index], learningRate: 0.1, momentum: momentum, weightDecay: 0.01, nesterov: nesterov)
                    }
                }
                sgdUpdate(&thetas, gradients: gradients, velocities: &velocities, masks: masks, learningRate: 0.1, momentum: momentum,
                          weightDecay: 0.01, nesterov: nesterov, threads: threads)
                #expect(thetas.map { $0.map(\.bitPattern) } == expectedThetas.map { $0.map(\.bitPattern) })
                #expect(velocities.map { $0.map(\.bitPattern) } == expectedVelocities.map { $0.map(\.bitPattern) })
            }
        }
    }

    /// No parameters, or only empty ones, is a no-op.
    @Test func emptyInputs() {
        var thetas: [[Float]] = [], velocities: [[Float]] = []
        sgdUpdate(&thetas, gradients: [], velocities: &velocities, masks: [], learningRate: 0.1, momentum: 0.9, weightDecay: 0,
                  nesterov: false, threads: 2)
        var empties: [[Float]] = [[], []], emptyVelocities: [[Float]] = [[], []]
        sgdUpdate(&empties, gradients: [[], []], velocities: &emptyVelocities, masks: [nil, nil], learningRate: 0.1, momentum: 0.9,
                  weightDecay: 0, nesterov: false, threads: 2)
        #expect(thetas.isEmpty && empties == [[], []])
    }
}
