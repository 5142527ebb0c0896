import Foundation
import Testing
@testable import ConvKit

/// Files for `convkit predict` tests, in a fresh temporary folder: checkpoints, state_dicts and
/// inputs are generated here (no dataset needed).
struct PredictionFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A tiny spec with BatchNorm and a global-pool head (so it fits any spatial size), as a file.
    static let tinySpec = """
    name: tinybn
    input: [3, 8, 8]
    layers:
      - {type: conv2d, name: conv1, out_channels: 4, kernel_size: 3, padding: 1}
      - {type: batchnorm2d, name: bn1}
      - relu
      - {type: adaptiveavgpool2d, name: pool, output_size: 1}
      - flatten
      - {type: linear, name: fc, out_features: 3}
    """

    /// A spec whose head infers its input features, so its weights' shapes depend on H×W.
    static let flatSpec = """
    name: flat
    input: [3, 8, 8]
    layers:
      - {type: conv2d, name: conv1, out_channels: 4, kernel_size: 3}
      - flatten
      - {type: linear, name: fc, out_features: 2}
    """

    func write(_ text: String, _ name: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// Writes `tensors` as a safetensors file (all F32).
    func write(_ tensors: [(String, Tensor)], _ name: String, metadata: [String: String] = [:]) throws -> String {
        try SafeTensors(entries: tensors.map { SafeTensors.Entry(name: $0.0, tensor: $0.1) }, metadata: metadata).write(to: path(name))
        return path(name)
    }

    /// Writes the inputs file: one tensor `input`.
    func inputs(_ x: Tensor, _ name: String = "x.safetensors") throws -> String { try write([("input", x)], name) }

    /// A network's weights and buffers as a plain state_dict (no ConvKit metadata), as PyTorch's
    /// `save_file(model.state_dict(), …)` writes them, except that every tensor is F32.
    func stateDict(_ network: Network, _ name: String = "state.safetensors") throws -> String {
        try write(network.parameters.map { ($0.name, $0.value) }, name)
    }

    /// A ConvKit checkpoint of `network`.
    func checkpoint(_ network: Network, _ name: String = "checkpoint.safetensors") throws -> String {
        try Checkpoint.save(network, to: path(name), normalization: .half, classes: (0..<(network.output.dimensions.first ?? 0)).map { "c\($0)" })
        return path(name)
    }
}

/// A seeded normal tensor.
func randomTensor(_ shape: [Int], seed: UInt64) throws -> Tensor {
    var random = RandomGenerator(seed: seed)
    return try Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in random.nextNormal() })
}

/// Evaluation-mode logits straight from ``Network/forward(_:_:)``: the reference.
func referenceLogits(_ network: Network, _ x: Tensor) throws -> Tensor {
    var context = RunContext(training: false, threads: 1)
    return try network.forward(x, &context)
}

/// A few training-mode forward passes, so BatchNorm running statistics move away from 0 and 1.
func moveBatchNormStatistics(_ network: Network, seed: UInt64) throws {
    for step in 0..<3 {
        var context = RunContext(training: true, threads: 1)
        var x = try randomTensor([4] + network.input.dimensions, seed: seed + UInt64(step))
        x.storage = x.storage.map { 2 * $0 + 0.5 }
        _ = try network.forward(x, &context)
    }
}

@Suite struct PredictionTests {
    @Test func tinySpecCheckpointGivesForwardLogits() throws {
        let folder = try PredictionFolder()
        let spec = try ModelSpec.parse(yaml: PredictionFolder.tinySpec)
        let network = try Network(spec, seed: 4)
        try moveBatchNormStatistics(network, seed: 10)
        let mean = try #require(network.parameter(named: "bn1.running_mean"))
        #expect(mean.value.storage.contains { $0 != 0 }, "training-mode passes should move the running mean")
        let checkpoint = try folder.checkpoint(network)
        let x = try randomTensor([5, 3, 8, 8], seed: 1)
        let result = try Prediction.run(weights: checkpoint, inputs: try folder.inputs(x), out: folder.path("y.safetensors"))
        #expect(result.logits == (try referenceLogits(network, x)))
        #expect(result.logits.shape == [5, 3])
        #expect(result.csv == nil)
        let written = try SafeTensors.read(from: folder.path("y.safetensors"))
        #expect(written.entries.map(\.name) == ["logits"])
        #expect(written.entries.first?.shape == [5, 3])
        #expect(written.entries.first?.values == result.logits.storage)
    }

    /// A model whose output is a map (segmentation, U-Net's class maps) writes `[N] + output`;
    /// CSV, a row of class scores per example, is refused before any work.
    @Test func mapOutputsAreWrittenWhole() throws {
        let folder = try PredictionFolder()
        let spec = try ModelSpec.parse(yaml: """
            name: seg
            input: [3, 8, 8]
            layers:
              - {type: conv2d, name: conv1, out_channels: 4, kernel_size: 3}
              - relu
              - {type: convtranspose2d, name: up, out_channels: 2, kernel_size: 2, stride: 2}
            """)
        let network = try Network(spec, seed: 3)
        let checkpoint = try folder.checkpoint(network)
        let x = try randomTensor([2, 3, 8, 8], seed: 2)
        let result = try Prediction.run(weights: checkpoint, inputs: try folder.inputs(x), out: folder.path("y.safetensors"))
        #expect(result.logits.shape == [2, 2, 12, 12])
        #expect(result.logits == (try referenceLogits(network, x)))
        let csv = expectConvKitError { _ = try Prediction.run(weights: checkpoint, inputs: try folder.inputs(x), format: .csv) }
        #expect(csv?.description.hasPrefix("invalid value for --format: csv lists a vector of class scores per example, but model 'seg' outputs 2×12×12") == true)
    }

    @Test func anotherSpatialSizeUsesTheSameWeights() throws {
        let folder = try PredictionFolder()
        let spec = try ModelSpec.parse(yaml: PredictionFolder.tinySpec)
        let network = try Network(spec, seed: 5)
        try moveBatchNormStatistics(network, seed: 20)
        let checkpoint = try folder.checkpoint(network)
        // 3×12×12 instead of the spec's 3×8×8: the global pool makes the head independent of H×W.
        let x = try randomTensor([3, 3, 12, 12], seed: 2)
        let result = try Prediction.run(weights: checkpoint, inputs: try folder.inputs(x), format: .csv)
        #expect(result.network.input == [3, 12, 12])
        let reference = try Network(spec, input: [3, 12, 12], seed: 0)
        try Checkpoint.loadWeights(try SafeTensors.read(from: checkpoint), into: reference, file: checkpoint)
        #expect(result.logits == (try referenceLogits(reference, x)))
    }

    @Test func lenet5StateDictWithModel() throws {
        let folder = try PredictionFolder()
        let network = try Network(Zoo.lenet5(), seed: 7)
        let state = try folder.stateDict(network)
        // 140 examples: three of Sequential's slices of 64 and, with slice 128, two of predict's own
        // (slices that start where Sequential's do, hence bit-identical logits).
        let x = try randomTensor([140, 3, 32, 32], seed: 3)
        let inputs = try folder.inputs(x)
        let reference = try referenceLogits(network, x)
        let whole = try Prediction.run(weights: state, model: "lenet5", inputs: inputs, out: folder.path("y.safetensors"), threads: 2)
        #expect(whole.logits == reference)
        let sliced = try Prediction.run(weights: state, model: "lenet5", inputs: inputs, out: folder.path("y2.safetensors"), slice: 128)
        #expect(sliced.logits == reference)
        #expect(try SafeTensors.read(from: folder.path("y2.safetensors")).entry(named: "logits")?.values == reference.storage)
        #expect(Prediction.sliceSize % SequentialRuntime.evaluationSlice == 0)
        // Slices of another size: the same logits to within rounding.
        let odd = try Prediction.logits(of: whole.network, inputs: x, slice: 50)
        #expect(zip(odd.storage, reference.storage).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) })
    }

    @Test func lenet5CheckpointWithAndWithoutModelOverride() throws {
        let folder = try PredictionFolder()
        let network = try Network(Zoo.lenet5(), seed: 8)
        let checkpoint = try folder.checkpoint(network)
        let x = try randomTensor([4, 3, 32, 32], seed: 4)
        let inputs = try folder.inputs(x)
        let reference = try referenceLogits(network, x)
        #expect(try Prediction.run(weights: checkpoint, inputs: inputs, format: .csv).logits == reference)
        #expect(try Prediction.run(weights: checkpoint, model: "lenet5", inputs: inputs, format: .csv).logits == reference)
        // --model overrides the checkpoint's architecture, as in evaluate: another model does not fit the weights.
        let spec = try folder.write(PredictionFolder.tinySpec, "tiny.yaml")
        let error = expectConvKitError { _ = try Prediction.run(weights: checkpoint, model: spec, inputs: inputs, format: .csv) }
        #expect(error?.description.contains("does not match the model 'tinybn'") == true)
        #expect(error?.description.contains("missing bn1.weight") == true)
    }

    /// A torchvision-style state_dict: `num_batches_tracked` stored as I64 (what torch writes), every
    /// other tensor F32, no metadata, loaded with `--model` a spec file (LeNet-5 with BatchNorm).
    @Test func stateDictWithInt64NumBatchesTracked() throws {
        let folder = try PredictionFolder()
        let architecture = ArchitectureOptions.insertingBatchNorm(Zoo.lenet5())
        let spec = try folder.write(try SpecEmitter.emit(architecture), "lenet5-bn.yaml")
        let network = try Network(architecture, seed: 9)
        try moveBatchNormStatistics(network, seed: 30)
        var header: [String] = [], data: [UInt8] = []
        for parameter in network.parameters {
            let bytes: [UInt8], dtype: String
            if parameter.name.hasSuffix("num_batches_tracked") {
                dtype = "I64"
                let count = UInt64(3)
                bytes = (0..<8).map { UInt8(truncatingIfNeeded: count >> (8 * UInt64($0))) }
            } else {
                dtype = "F32"
                bytes = float32Bytes(parameter.value.storage)
            }
            let shape = parameter.value.shape.map(String.init).joined(separator: ",")
            header.append("\"\(parameter.name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(data.count),\(data.count + bytes.count)]}")
            data += bytes
        }
        #expect(header.contains { $0.contains("\"bn1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[]") })
        let state = folder.path("torch.safetensors")
        try Data(safeTensorsFile("{" + header.joined(separator: ",") + "}", data)).write(to: URL(fileURLWithPath: state))
        let x = try randomTensor([6, 3, 32, 32], seed: 5)
        let result = try Prediction.run(weights: state, model: spec, inputs: try folder.inputs(x), format: .csv)
        #expect(result.logits == (try referenceLogits(network, x)))
        #expect(result.network.parameter(named: "bn2.num_batches_tracked")?.value.storage == [3])
    }

    @Test func csvRowsReadBackExactly() throws {
        let folder = try PredictionFolder()
        let network = try Network(try ModelSpec.parse(yaml: PredictionFolder.tinySpec), seed: 6)
        let checkpoint = try folder.checkpoint(network)
        let x = try randomTensor([4, 3, 8, 8], seed: 6)
        let result = try Prediction.run(weights: checkpoint, inputs: try folder.inputs(x), out: folder.path("y.safetensors"), format: .csv)
        let lines = try #require(result.csv).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 6)  // header, 4 rows, and the empty string after the last newline
        #expect(lines.first == "index,argmax,logit0,logit1,logit2")
        #expect(lines.last == "")
        for row in 0..<4 {
            let fields = lines[row + 1].split(separator: ",").map(String.init)
            #expect(fields.count == 5)
            #expect(fields[0] == String(row))
            let logits = Array(result.logits.storage[(row * 3)..<(row * 3 + 3)])
            #expect(fields[2...].map { Float($0) } == logits.map { Optional($0) })
            #expect(fields[2...].map { $0 } == logits.map { "\($0)" })
            let best = try #require(logits.indices.max { logits[$0] < logits[$1] })
            #expect(fields[1] == String(best))
        }
        // Both outputs: the file holds the same logits the CSV shows.
        #expect(try SafeTensors.read(from: folder.path("y.safetensors")).entry(named: "logits")?.values == result.logits.storage)
    }

    @Test func csvFormatting() throws {
        let logits = try Tensor(shape: [3, 3], values: [0.1, -1.5e-7, 2, 1, 1, 0, -.infinity, .nan, 5])
        #expect(Prediction.csv(logits) == """
        index,argmax,logit0,logit1,logit2
        0,2,0.1,-1.5e-07,2.0
        1,0,1.0,1.0,0.0
        2,1,-inf,nan,5.0

        """)
    }
}
