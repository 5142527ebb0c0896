import Testing
@testable import ConvKit

/// A ReLU that alone reads a convolution's output is applied by the convolution as it writes it
/// (``ActivationEpilogue``): the same bits, forward and backward, as a separate ReLU layer.
@Suite struct ActivationEpilogueTests {
    /// conv → ReLU (fused), or conv → identity → ReLU (the identity keeps them apart), then the rest.
    static func network(fused: Bool, stride: Int) throws -> Network {
        let head: [any Layer] = fused ? [Conv2d("conv", 3, 6, kernel: 5, stride: stride)]
            : [Conv2d("conv", 3, 6, kernel: 5, stride: stride), Identity("apart")]
        return try Network(Architecture(name: "epilogue", input: [3, 16, 16], layers: head + [
            ReLU("relu"), MaxPool2d("pool", kernel: 2), Flatten("flatten"), Linear("fc", nil, 10),
        ]), seed: 11)
    }

    static func run(_ network: Network, training: Bool, threads: Int) throws -> [[UInt32]] {
        var random = RandomGenerator(seed: 12)
        var images = Tensor(shape: [5, 3, 16, 16])
        for i in 0..<images.count { images.storage[i] = random.nextNormal() }
        var context = RunContext(training: training, threads: threads)
        network.zeroGradients()
        let logits = try network.forward(images, &context)
        guard training else { return [logits.storage.map(\.bitPattern)] }
        let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: [0, 1, 2, 3, 4])
        let dx = try network.backward(result.gradient, &context)
        return [logits.storage.map(\.bitPattern), dx.storage.map(\.bitPattern)]
            + network.trainableParameters.map { $0.gradient.storage.map(\.bitPattern) }
    }

    /// Stride 1 (the direct convolution stores max(0, ·)) and stride 2 (im2col, then a pass):
    /// training and evaluation, one and two threads.
    @Test(arguments: [1, 2]) func fusedReLUGivesTheSameBits(stride: Int) throws {
        let fused = try Self.network(fused: true, stride: stride)
        let apart = try Self.network(fused: false, stride: stride)
        #expect((fused.root as? SequentialRuntime)?.children.first.flatMap { ($0 as? Conv2dRuntime)?.appliesReLU } == true)
        #expect((apart.root as? SequentialRuntime)?.children.first.flatMap { ($0 as? Conv2dRuntime)?.appliesReLU } == false)
        for training in [true, false] {
            for threads in [1, 2] {
                // Twice: the second pass reuses the buffers the first one left.
                for _ in 0..<2 {
                    #expect(try Self.run(fused, training: training, threads: threads) == (try Self.run(apart, training: training, threads: threads)),
                            "training \(training), threads \(threads)")
                }
            }
        }
    }

    /// LeNet-5's two convolutions take their ReLUs; a convolution whose output has two readers,
    /// or is the network's output, keeps it apart.
    @Test func whichConvolutionsTakeTheirReLU() throws {
        let lenet = try Network(Zoo.lenet5(), seed: 1)
        let convolutions = (lenet.root as? SequentialRuntime)?.children.compactMap { $0 as? Conv2dRuntime } ?? []
        #expect(convolutions.count == 2 && convolutions.allSatisfy(\.appliesReLU))
        let branched = try Network(Architecture(name: "branched", input: [3, 8, 8], body: Sequential(name: "", [
            Conv2d("conv", 3, 4, kernel: 3, padding: 1), ReLU("relu"), Add("sum"),
        ], inputs: ["sum": ["conv", "relu"]])), seed: 2)
        let conv = (branched.root as? SequentialRuntime)?.children.first as? Conv2dRuntime
        #expect(conv?.appliesReLU == false)
    }
}
