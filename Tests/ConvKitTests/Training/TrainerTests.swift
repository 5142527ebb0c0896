import Foundation
import Testing
@testable import ConvKit

/// Small, fast training runs on generated data (debug builds are slow: keep them tiny).
@Suite struct TrainerTests {
    /// A small CNN for 3×32×32 shapes: conv 3→4 5×5/2 (⌊(32 − 5)/2⌋ + 1 = 14), ReLU, max-pool 2 (7), flatten (4·7·7 = 196), linear 196→32→10.
    static let tiny = Architecture(name: "tiny", input: [3, 32, 32], layers: [
        Conv2d("conv1", 3, 4, kernel: 5, stride: 2), ReLU("relu1"), MaxPool2d("pool1", kernel: 2),
        Flatten("flatten"), Linear("fc1", 196, 32), ReLU("relu2"), Linear("fc2", 32, 10),
    ])

    static func train(threads: Int, seed: UInt64 = 3, architecture: Architecture = tiny, epochs: Int = 1) throws -> [Float] {
        let data = try SyntheticShapes.make(count: 48, seed: 5)
        var options = TrainingOptions()
        options.batchSize = 8
        options.learningRate = 0.05
        options.threads = threads
        options.seed = seed
        let trainer = try Trainer(network: try Network(architecture, seed: seed), options: options)
        for epoch in 0..<epochs { _ = try trainer.trainEpoch(data, epoch: epoch) }
        return trainer.network.parameters.flatMap(\.value.storage)
    }

    @Test func sameSeedAndThreadsGiveBitIdenticalWeights() throws {
        for threads in [1, 2] {
            let a = try Self.train(threads: threads), b = try Self.train(threads: threads)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "threads \(threads)")
        }
        // A different seed gives different weights: the comparison above can fail.
        #expect(try Self.train(threads: 1, seed: 4) != Self.train(threads: 1))
    }

    @Test func dropoutAndBatchNormRunsAreDeterministicToo() throws {
        let edited = try ArchitectureOptions.insertingDropout(ArchitectureOptions.insertingBatchNorm(Self.tiny), probability: 0.3)
        let a = try Self.train(threads: 2, architecture: edited), b = try Self.train(threads: 2, architecture: edited)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }

    @Test func batchNormAndDropoutInsertion() throws {
        let lenet = try #require(Zoo.model(named: "lenet5"))
        let withBN = ArchitectureOptions.insertingBatchNorm(lenet)
        #expect(withBN.body.layers.map(\.name) == ["conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2", "pool2",
                                                   "flatten", "fc1", "relu3", "fc2", "relu4", "fc3"])
        let withDropout = try ArchitectureOptions.insertingDropout(lenet, probability: 0.3)
        // Hidden fully connected layers fc1 and fc2, not the output fc3.
        #expect(withDropout.body.layers.map(\.name) == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2",
                                                        "flatten", "fc1", "relu3", "dropout1", "fc2", "relu4", "dropout2", "fc3"])
        // BatchNorm2d(6) and (16): 2·(6 + 16) = 44 more parameters than 62,006.
        #expect(try Summary(withBN).totals.params == 62_006 + 44)
        #expect(throws: ConvKitError.self) { _ = try ArchitectureOptions.insertingDropout(lenet, probability: 1.5) }
        // A spec that already has `dropout1` and `bn1` gets `dropout1_2` and `bn1_2`, never a clash.
        let spec = try ModelSpec.parse(yaml: """
        input: [3, 8, 8]
        layers:
          - {type: conv2d, name: conv1, out_channels: 2, kernel_size: 3}
          - {type: batchnorm2d, name: bn1}
          - flatten
          - {type: linear, name: fc1, out_features: 4}
          - relu
          - {type: dropout, name: dropout1, p: 0.1}
          - {type: linear, name: fc2, out_features: 2}
        """)
        let edited = try ArchitectureOptions.insertingDropout(ArchitectureOptions.insertingBatchNorm(spec), probability: 0.5)
        #expect(edited.body.layers.map(\.name) == ["conv1", "bn1_2", "bn1", "flatten1", "fc1", "relu1", "dropout1_2", "dropout1", "fc2"])
        _ = try Network(edited, seed: 0)
    }

    @Test func trainingLowersTheLoss() throws {
        let data = try SyntheticShapes.make(count: 64, seed: 5)
        var options = TrainingOptions()
        options.batchSize = 16
        options.learningRate = 0.05
        let trainer = try Trainer(network: try Network(Self.tiny, seed: 1), options: options)
        let before = try trainer.evaluate(data).loss
        for epoch in 0..<4 { _ = try trainer.trainEpoch(data, epoch: epoch) }
        let after = try trainer.evaluate(data).loss
        #expect(after < before)
    }

    @Test func nonFiniteLossStopsTraining() throws {
        let data = try SyntheticShapes.make(count: 32, seed: 5)
        var options = TrainingOptions()
        options.batchSize = 8
        options.learningRate = 1e6
        let trainer = try Trainer(network: try Network(Self.tiny, seed: 1), options: options)
        let error = expectConvKitError { for epoch in 0..<3 { _ = try trainer.trainEpoch(data, epoch: epoch) } }
        if case .nonFiniteLoss? = error {} else { Issue.record("expected nonFiniteLoss, got \(String(describing: error))") }
        #expect(error?.description.contains("try a lower --lr") == true)
    }

    @Test func checkpointRoundTripGivesTheSameLogits() throws {
        let network = try Network(ArchitectureOptions.insertingBatchNorm(Self.tiny), seed: 7)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-ck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tiny.safetensors").path
        try Checkpoint.save(network, to: path, normalization: .half, classes: SyntheticShapes.classNames)
        let loaded = try Checkpoint.load(path)
        #expect(loaded.network.parameters.map(\.name) == network.parameters.map(\.name))
        #expect(loaded.classes == SyntheticShapes.classNames)
        var x = Tensor(shape: [2, 3, 32, 32])
        var random = RandomGenerator(seed: 1)
        for i in 0..<x.count { x.storage[i] = random.nextNormal() }
        var c1 = RunContext(training: false), c2 = RunContext(training: false)
        #expect(try network.forward(x, &c1) == loaded.network.forward(x, &c2))
        // State-dict names as PyTorch would write them.
        #expect(network.parameters.map(\.name).prefix(7) == ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias",
                                                             "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"])
        // A checkpoint that does not fit the model is refused, naming what differs.
        let mismatch = expectConvKitError { _ = try Checkpoint.load(path, architecture: try #require(Zoo.model(named: "lenet5"))) }
        #expect(mismatch?.description.contains("does not match the model 'lenet5'") == true)
    }

    @Test func epochAndFinalLinesHaveTheDocumentedForm() {
        #expect(TrainingSession.epochLine(epoch: 0, loss: 2.0774, accuracy: 0.229064) == "Epoch 0 training loss: 2.077 training accuracy: 22.906%")
        #expect(TrainingSession.finalLine(count: 10000, accuracy: 0.6509) == "Accuracy of the network on the 10000 test set: 65.09%")
    }
}
