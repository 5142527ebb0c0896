import Foundation
import Testing
@testable import ConvKit

/// Resumable training through the library: a run stopped anywhere — before its first batch, in
/// the middle of an epoch, at an epoch boundary — and continued from its checkpoint ends with the
/// same weights, optimizer state, generator and metrics, bit for bit, as a run never stopped.
/// A small fake CIFAR-10 folder (120 training images, 8 batches of 16 per epoch) keeps it fast.
@Suite struct ResumeTests {
    /// A data folder and a small network with batch norm and dropout (so the running statistics
    /// and the dropout masks must be restored too).
    final class Fixture {
        let folder: TemporaryFolder
        let spec: String
        init() throws {
            folder = try TemporaryFolder()
            for file in 1...5 { try folder.write(CIFARFixture.records(24, seed: file), to: "data_batch_\(file).bin") }
            try folder.write(CIFARFixture.records(10, seed: 6), to: "test_batch.bin")
            spec = folder.file("small.yaml")
            try """
            input: [3, 32, 32]
            layers:
              - {type: conv2d, out_channels: 4, kernel_size: 5, stride: 2}
              - {type: batchnorm2d}
              - relu
              - {type: maxpool2d, kernel_size: 2}
              - flatten
              - {type: linear, out_features: 12}
              - relu
              - {type: dropout, p: 0.3}
              - {type: linear, out_features: 10}
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        }
        deinit { folder.cleanUp() }

        func request(_ configure: (inout TrainingRequest) -> Void = { _ in }) -> TrainingRequest {
            var request = TrainingRequest(model: spec, dataset: "cifar10")
            request.dataDirectory = folder.path
            request.options.epochs = 3
            request.options.batchSize = 16
            request.options.learningRate = 0.02
            request.options.seed = 5
            request.options.threads = 1
            configure(&request)
            return request
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Batches trained before the stop (8 per epoch).
        let stopAfter: Int
        let configure: @Sendable (inout TrainingRequest) -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "SGD, momentum, augmentation, mid-epoch", stopAfter: 11) { $0.options.augmentation = .standard },
        Case(name: "SGD, Nesterov, weight decay, step schedule, at a boundary", stopAfter: 8) {
            $0.options.nesterov = true
            $0.options.weightDecay = 1e-3
            $0.options.schedule = .step(every: 1, factor: 0.5)
        },
        Case(name: "Adam, dataset normalization, before the first batch", stopAfter: 0) {
            $0.options.optimizer = .adam
            $0.options.learningRate = 0.003
            $0.normalization = "dataset"
        },
        Case(name: "Adam, cosine schedule, last epoch", stopAfter: 21) {
            $0.options.optimizer = .adam
            $0.options.schedule = .cosine(epochs: 3, minimum: 0)
        },
    ]

    @Test(arguments: cases)
    func stoppedAndResumedRunMatchesAnUninterruptedOne(testCase: Case) throws {
        let fixture = try Fixture()
        let plain = try TrainingSession.train(fixture.request(testCase.configure), print: { _ in })
        #expect(plain.stoppedAt == nil && plain.metrics.count == 3)

        var lines: [String] = []
        var batches = 0
        let path = fixture.folder.file("run.safetensors")
        let stopped = try TrainingSession.train(fixture.request { testCase.configure(&$0); $0.checkpoint = path }, print: { lines.append($0) },
                                                shouldStop: { batches += 1; return batches > testCase.stopAfter })
        let position = try #require(stopped.stoppedAt)
        // 8 batches per epoch: stopping after k batches leaves epoch ⌊k/8⌋, step k mod 8.
        #expect(position.epoch == testCase.stopAfter / 8 && position.step == testCase.stopAfter % 8)
        #expect(stopped.stopCheckpoint == path)

        let state = try ResumableCheckpoint.load(path)
        #expect(state.position == position)
        let request = try TrainingArguments().resumedRequest(state.request, from: path)
        let resumed = try TrainingSession.train(request, resuming: state, print: { lines.append($0) })
        #expect(resumed.stoppedAt == nil)

        for (a, b) in zip(plain.trainer.network.parameters, resumed.trainer.network.parameters) {
            #expect(a.name == b.name)
            #expect(a.value.storage.map(\.bitPattern) == b.value.storage.map(\.bitPattern), "\(a.name)")
        }
        #expect(plain.trainer.optimizer.state.mapValues { $0.map(\.bitPattern) } == resumed.trainer.optimizer.state.mapValues { $0.map(\.bitPattern) })
        #expect(plain.trainer.random == resumed.trainer.random)
        func rounded(_ metrics: [EpochMetrics]) -> [String] { MetricsReport.csv(metrics).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast(2).joined(separator: ",") } }
        #expect(rounded(plain.metrics) == rounded(resumed.metrics))
        // The epoch lines, split across the two runs, are those of the uninterrupted run.
        let epochLines = lines.filter { $0.hasPrefix("Epoch ") }
        #expect(epochLines == plain.metrics.map { TrainingSession.epochLine(epoch: $0.epoch, loss: $0.trainLoss, accuracy: $0.trainAccuracy) })
    }

    @Test func checkpointsEveryEpochAreResumableAndLoadableAsWeights() throws {
        let fixture = try Fixture()
        let path = fixture.folder.file("every.safetensors")
        let full = try TrainingSession.train(fixture.request { $0.checkpoint = path; $0.checkpointEvery = 2 }, print: { _ in })
        // Written after epochs 2 and 3 (the last): the file holds the end of the run.
        let state = try ResumableCheckpoint.load(path)
        #expect(state.position == .boundary(epoch: 3, random: full.trainer.random))
        #expect(state.metrics.count == 3 && state.trainImages == 120)
        #expect(state.request.checkpointEvery == 2 && state.request.options.learningRate == 0.02)
        // Momentum buffers: one per trainable parameter, named for PyTorch users to filter.
        let file = try SafeTensors.read(from: path)
        let stateNames = file.entries.map(\.name).filter { $0.hasPrefix("optimizer.") }
        #expect(stateNames == full.trainer.network.trainableParameters.map { "optimizer.\($0.name).momentum_buffer" }.sorted())
        // Evaluation and Checkpoint.load skip the state tensors.
        let loaded = try Checkpoint.load(path)
        #expect(loaded.network.parameters.map { $0.value.storage } == full.trainer.network.parameters.map { $0.value.storage })
        // Training further continues from the end.
        let longer = try TrainingArguments.with(epochs: 4).resumedRequest(state.request, from: path)
        let resumed = try TrainingSession.train(longer, resuming: state, print: { _ in })
        #expect(resumed.metrics.map(\.epoch) == [0, 1, 2, 3])
    }

    @Test func stateTensorsAreSkippedOnlyInResumableFiles() throws {
        let fixture = try Fixture()
        let network = try Network(try ModelSpec.load(file: fixture.spec), seed: 1)
        var file = try Checkpoint.contents(of: network, normalization: .half, classes: CIFAR10.standardClassNames)
        file.entries.append(SafeTensors.Entry(name: "optimizer.fc1.weight.momentum_buffer", shape: [1], values: [0]))
        let error = expectConvKitError { try Checkpoint.loadWeights(file, into: network, file: "plain.safetensors") }
        #expect(error == .corruptFile(file: "plain.safetensors", reason: "does not match the model 'small': unexpected optimizer.fc1.weight.momentum_buffer"))
        file.metadata[ResumableCheckpoint.resumeKey] = "1"
        try Checkpoint.loadWeights(file, into: network, file: "resumable.safetensors")
    }

    @Test func weightsOnlyAndDamagedStateAreRefused() throws {
        let fixture = try Fixture()
        let path = fixture.folder.file("final.safetensors")
        _ = try TrainingSession.train(fixture.request { $0.options.epochs = 1; $0.checkpoint = path }, print: { _ in })
        let weightsOnly = expectConvKitError { _ = try ResumableCheckpoint.load(path) }
        #expect(weightsOnly == .corruptFile(file: path, reason: "holds weights only, no training state to resume from (write resumable checkpoints with --checkpoint-every N)"))

        let resumable = fixture.folder.file("resumable.safetensors")
        _ = try TrainingSession.train(fixture.request { $0.options.epochs = 1; $0.checkpoint = resumable; $0.checkpointEvery = 1 }, print: { _ in })
        var file = try SafeTensors.read(from: resumable)
        file.entries.removeAll { $0.name == "optimizer.fc2.bias.momentum_buffer" }
        try file.write(to: resumable)
        let missing = expectConvKitError { _ = try ResumableCheckpoint.load(resumable) }
        #expect(missing == .corruptFile(file: resumable, reason: "missing optimizer state tensor 'optimizer.fc2.bias.momentum_buffer'"))
    }

    @Test func resumingKeepsTheRunsSettings() throws {
        let saved = TrainingRequest(model: "lenet5", dataset: "shapes")
        var arguments = TrainingArguments()
        arguments.learningRate = 0.1
        let error = expectConvKitError { _ = try arguments.resumedRequest(saved, from: "ck.safetensors") }
        #expect(error?.description.hasPrefix("invalid value for --lr: cannot be changed when resuming") == true)
        arguments = TrainingArguments()
        arguments.threads = 3
        arguments.metrics = "m.csv"
        let request = try arguments.resumedRequest(saved, from: "ck.safetensors")
        #expect(request.checkpoint == "ck.safetensors" && request.options.threads == 3 && request.metrics == "m.csv")
        #expect(request.options.learningRate == saved.options.learningRate)
    }

    @Test func checkpointEveryNeedsACheckpointPath() {
        let error = expectConvKitError { _ = try TrainingSession.train(try Fixture().request { $0.checkpointEvery = 1 }, print: { _ in }) }
        #expect(error == .invalidArgument(name: "--checkpoint-every", reason: "needs --checkpoint PATH, the file to write the resumable checkpoint to"))
    }

    /// A learning rate that jumps to 2·10^6 after the first epoch: training stops in epoch 1 with
    /// the NaN message, and the checkpoint written after epoch 0 stays, loadable and resumable.
    @Test func nonFiniteLossKeepsTheLastGoodCheckpoint() throws {
        let fixture = try Fixture()
        let path = fixture.folder.file("nan.safetensors")
        var lines: [String] = []
        let error = expectConvKitError {
            _ = try TrainingSession.train(fixture.request { $0.checkpoint = path; $0.checkpointEvery = 1; $0.options.schedule = .step(every: 1, factor: 1e8) },
                                          print: { lines.append($0) })
        }
        // Either guard may fire first: the loss, or (checked after every epoch) a parameter such as a
        // batch-norm running variance that overflowed while ReLUs kept the loss finite.
        switch error {
        case let .nonFiniteLoss(epoch, _, learningRate)?, let .nonFiniteParameter(epoch, _, learningRate)?:
            #expect(epoch == 1 && learningRate == 0.02 * 1e8)
        default:
            Issue.record("expected a non-finite loss or parameter, got \(String(describing: error))")
        }
        #expect(error?.description.hasSuffix("; try a lower --lr") == true)
        #expect(lines.last == "The last good checkpoint, written after epoch 0, is kept at \(path).")
        let state = try ResumableCheckpoint.load(path)
        #expect(state.position.epoch == 1 && state.position.step == 0)
        #expect(state.network.parameters.allSatisfy { $0.value.storage.allSatisfy(\.isFinite) })
        _ = try Checkpoint.load(path)
    }
}

extension TrainingArguments {
    /// Arguments with only `--epochs` given.
    static func with(epochs: Int) -> TrainingArguments {
        var arguments = TrainingArguments()
        arguments.epochs = epochs
        return arguments
    }
}
