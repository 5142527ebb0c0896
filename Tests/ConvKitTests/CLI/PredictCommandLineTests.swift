import Foundation
import Testing
@testable import ConvKit

/// End-to-end: the built `convkit predict` on generated files (the interface is a contract that
/// external scripts check: flags, the tensor names, the CSV layout, one `error:` line).
@Suite struct PredictCommandLineTests {
    @Test func predictWritesLogitsAndPrintsCSV() throws {
        let folder = try PredictionFolder()
        let network = try Network(Zoo.lenet5(), seed: 12)
        let state = try folder.stateDict(network)
        let x = try randomTensor([3, 3, 32, 32], seed: 7)
        let inputs = try folder.inputs(x)
        let out = folder.path("y.safetensors")
        let result = try CommandLineTests.run(["predict", state, "--model", "lenet5", "--inputs", inputs, "--out", out,
                                               "--format", "csv", "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let reference = try referenceLogits(network, x)
        #expect(result.stdout == Prediction.csv(reference))
        #expect(result.stdout.hasPrefix("index,argmax,logit0,logit1,logit2,logit3,logit4,logit5,logit6,logit7,logit8,logit9\n0,"))
        let written = try SafeTensors.read(from: out)
        #expect(written.entries.map(\.name) == ["logits"])
        #expect(written.entries.first?.shape == [3, 10])
        #expect(written.entries.first?.values == reference.storage)

        // The ConvKit checkpoint alone, --out only: nothing on stdout.
        let checkpoint = try folder.checkpoint(network)
        let quiet = try CommandLineTests.run(["predict", checkpoint, "--inputs", inputs, "--out", folder.path("y2.safetensors")])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.isEmpty)
        #expect(try SafeTensors.read(from: folder.path("y2.safetensors")).entry(named: "logits")?.values == reference.storage)
    }

    @Test func errorsAreOneLine() throws {
        let folder = try PredictionFolder()
        let checkpoint = try folder.checkpoint(try Network(Zoo.lenet5(), seed: 13))
        let gray = try folder.inputs(try randomTensor([2, 1, 32, 32], seed: 1), "gray.safetensors")
        let header = #"{"input":{"dtype":"F64","shape":[1,3,32,32],"data_offsets":[0,24576]}}"#
        let f64 = folder.path("f64.safetensors")
        try Data(safeTensorsFile(header, [UInt8](repeating: 0, count: 24576))).write(to: URL(fileURLWithPath: f64))
        let cases: [([String], String)] = [
            (["predict", checkpoint, "--inputs", gray, "--format", "csv"], "tensor 'input' has shape [2, 1, 32, 32]: model 'lenet5' expects 3 channels, found 1; the input shape is N×C×H×W"),
            (["predict", checkpoint, "--inputs", f64, "--format", "csv"], "tensor 'input' has dtype F64, expected F32"),
            (["predict", checkpoint, "--inputs", gray, "--out", folder.path("missing/y.safetensors")], "does not exist"),
            (["predict", checkpoint, "--format", "csv"], "Missing expected argument '--inputs"),
        ]
        for (arguments, message) in cases {
            let result = try CommandLineTests.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments)")
            #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
    }

    /// The memory check (``MemoryBudget``, here `$CONVKIT_MEMORY_LIMIT`) refuses before the forward pass.
    @Test func memoryLimitRefusesBeforeRunning() throws {
        let folder = try PredictionFolder()
        let checkpoint = try folder.checkpoint(try Network(Zoo.lenet5(), seed: 14))
        let inputs = try folder.inputs(Tensor(shape: [200, 3, 32, 32]))
        let process = Process()
        process.executableURL = try #require(CommandLineTests.executable, "convkit executable not found")
        // LeNet-5's weights and gradients, 2·62,006·4 = 496,048 bytes, fit; 200 examples do not.
        process.arguments = ["predict", checkpoint, "--inputs", inputs, "--out", folder.path("y.safetensors")]
        process.environment = ProcessInfo.processInfo.environment.merging([MemoryBudget.environmentKey: "1000000"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(stderr.hasPrefix("error: predicting 200 examples with 'lenet5' in slices of 512"), "\(stderr)")
        #expect(stderr.contains("more than the 1,000,000 bytes"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("y.safetensors")))
    }

    @Test func helpShowsTheContract() throws {
        let result = try CommandLineTests.run(["predict", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: convkit predict <weights> [--model <model-or-spec>] --inputs <x.safetensors> [--out <y.safetensors>] [--format <csv>] [--threads <n>]"))
    }
}
