import Foundation
import Testing
@testable import ConvKit

/// Training through a graph (residual blocks, a named-input add, batch norm inside the body):
/// a stopped and resumed run ends bit for bit where an uninterrupted one does, the same seed
/// repeats exactly, and the NaN guard stops a diverging run.
@Suite struct GraphTrainingTests {
    static let spec = """
        input: [3, 32, 32]
        layers:
          - {type: conv2d, name: stem, out_channels: 4, kernel_size: 3, stride: 2, padding: 1, bias: false}
          - {type: batchnorm2d, name: bn}
          - relu
          - type: residual
            name: block
            body:
              - {type: conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: 1, bias: false}
              - {type: batchnorm2d}
              - relu
              - {type: conv2d, out_channels: 8, kernel_size: 3, padding: 1, bias: false}
            shortcut:
              - {type: conv2d, out_channels: 8, kernel_size: 1, stride: 2, bias: false}
            activation: relu
          - {type: conv2d, name: side, out_channels: 8, kernel_size: 1, inputs: [block]}
          - {type: add, name: sum, inputs: [block, side]}
          - {type: adaptiveavgpool2d, output_size: 1}
          - flatten
          - {type: linear, out_features: 10}
        """

    func request(_ folder: TemporaryFolder, _ configure: (inout TrainingRequest) -> Void = { _ in }) throws -> TrainingRequest {
        let path = folder.file("graph.yaml")
        try Self.spec.write(toFile: path, atomically: true, encoding: .utf8)
        var request = TrainingRequest(model: path, dataset: "cifar10")
        request.dataDirectory = folder.path
        request.options.epochs = 2
        request.options.batchSize = 16
        request.options.learningRate = 0.05
        request.options.seed = 3
        request.options.threads = 2
        configure(&request)
        return request
    }

    func data() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        for file in 1...5 { try folder.write(CIFARFixture.records(16, seed: file), to: "data_batch_\(file).bin") }
        try folder.write(CIFARFixture.records(10, seed: 6), to: "test_batch.bin")
        return folder
    }

    @Test func stoppedAndResumedGraphRunMatchesAnUninterruptedOne() throws {
        let folder = try data()
        defer { folder.cleanUp() }
        let plain = try TrainingSession.train(try request(folder), print: { _ in })
        let again = try TrainingSession.train(try request(folder), print: { _ in })
        #expect(plain.trainer.network.parameters.map { $0.value.storage.map(\.bitPattern) }
                == again.trainer.network.parameters.map { $0.value.storage.map(\.bitPattern) }, "same seed, same threads")
        let path = folder.file("run.safetensors")
        var batches = 0
        let stopped = try TrainingSession.train(try request(folder) { $0.checkpoint = path }, print: { _ in },
                                                shouldStop: { batches += 1; return batches > 7 })
        #expect(stopped.stoppedAt != nil)
        let state = try ResumableCheckpoint.load(path)
        let resumed = try TrainingSession.train(try TrainingArguments().resumedRequest(state.request, from: path), resuming: state, print: { _ in })
        for (a, b) in zip(plain.trainer.network.parameters, resumed.trainer.network.parameters) {
            #expect(a.name == b.name)
            #expect(a.value.storage.map(\.bitPattern) == b.value.storage.map(\.bitPattern), "\(a.name)")
        }
        #expect(plain.trainer.network.parameters.contains { $0.name == "block.shortcut.conv1.weight" })
    }

    @Test func divergingGraphRunStopsWithTheNaNError() throws {
        let folder = try data()
        defer { folder.cleanUp() }
        do {
            _ = try TrainingSession.train(try request(folder) { $0.options.learningRate = 1e12 }, print: { _ in })
            Issue.record("expected the NaN guard to stop the run")
        } catch let error as ConvKitError {
            guard case .nonFiniteLoss = error else { Issue.record("unexpected \(error)"); return }
        }
    }
}
