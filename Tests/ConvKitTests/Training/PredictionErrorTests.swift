import Foundation
import Testing
@testable import ConvKit

/// Every refusal of `convkit predict` is one ConvKitError naming the file, the tensor and what
/// was expected; nothing is written when it fails.
@Suite struct PredictionErrorTests {
    /// A LeNet-5 checkpoint, its plain state_dict, good inputs and a folder for the rest.
    struct Setup {
        let folder: PredictionFolder
        let network: Network
        let checkpoint: String
        let state: String
        let good: String
        init() throws {
            folder = try PredictionFolder()
            network = try Network(Zoo.lenet5(), seed: 11)
            checkpoint = try folder.checkpoint(network)
            state = try folder.stateDict(network)
            good = try folder.inputs(try randomTensor([2, 3, 32, 32], seed: 1))
        }

        /// The message of the error `Prediction.run` throws, or "" (recorded as a failure) if none.
        func message(weights: String? = nil, model: String? = nil, inputs: String? = nil, out: String? = nil,
                     format: OutputFormat? = .csv, threads: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) -> String {
            let error = expectConvKitError({
                _ = try Prediction.run(weights: weights ?? checkpoint, model: model, inputs: inputs ?? good, out: out,
                                       format: format, threads: threads)
            }, sourceLocation: sourceLocation)
            return error?.description ?? ""
        }

        /// An inputs file with one tensor `input` of `dtype` and `shape`, data all zero bytes.
        func raw(dtype: String, shape: [Int], bytesPerValue: Int, _ name: String) throws -> String {
            let count = shape.reduce(1, *)
            let header = "{\"input\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[0,\(count * bytesPerValue)]}}"
            try Data(safeTensorsFile(header, [UInt8](repeating: 0, count: count * bytesPerValue))).write(to: folder.url.appendingPathComponent(name))
            return folder.path(name)
        }
    }

    @Test func inputsFileWithoutInput() throws {
        let s = try Setup()
        let x = try s.folder.write([("images", try randomTensor([2, 3, 32, 32], seed: 1))], "images.safetensors")
        let message = s.message(inputs: x)
        #expect(message.hasPrefix(x + ": no tensor 'input'"))
        #expect(message.contains("expected one F32 tensor 'input' of shape N×C×H×W (or N×F), found tensors 'images'"))
        let empty = try s.folder.write([], "empty.safetensors")
        #expect(s.message(inputs: empty).contains("no tensor 'input': expected one F32 tensor 'input' of shape N×C×H×W (or N×F), found no tensors"))
    }

    @Test func otherTensorsBesidesInputAreNamed() throws {
        let s = try Setup()
        let x = try s.folder.write([("input", try randomTensor([2, 3, 32, 32], seed: 1)), ("labels", Tensor(shape: [2])),
                                    ("extra", Tensor(shape: [1]))], "extra.safetensors")
        #expect(s.message(inputs: x) == "\(x): unexpected tensors 'extra', 'labels' besides 'input': expected only 'input'")
    }

    @Test(arguments: [("F64", 8), ("I64", 8), ("F16", 2), ("U8", 1)])
    func wrongDtypeIsNamed(dtype: String, bytes: Int) throws {
        let s = try Setup()
        let x = try s.raw(dtype: dtype, shape: [2, 3, 32, 32], bytesPerValue: bytes, "\(dtype).safetensors")
        #expect(s.message(inputs: x).hasPrefix("\(x): tensor 'input' has dtype \(dtype), expected F32 (float32"))
    }

    /// An I64 value that float32 cannot hold: the dtype is reported, not the value.
    @Test func inexactInt64IsReportedByDtype() throws {
        let s = try Setup()
        let big = UInt64(1) << 53 + 1
        let header = #"{"input":{"dtype":"I64","shape":[1,1],"data_offsets":[0,8]}}"#
        let x = s.folder.path("big.safetensors")
        try Data(safeTensorsFile(header, (0..<8).map { UInt8(truncatingIfNeeded: big >> (8 * UInt64($0))) })).write(to: URL(fileURLWithPath: x))
        #expect(s.message(inputs: x).contains("tensor 'input' has dtype I64, expected F32"))
    }

    @Test func wrongRank() throws {
        let s = try Setup()
        let three = try s.folder.inputs(try randomTensor([2, 32, 32], seed: 1), "rank3.safetensors")
        #expect(s.message(inputs: three) == "\(three): tensor 'input' has shape [2, 32, 32]: rank 3, expected rank 4; the input shape is N×C×H×W, model 'lenet5' takes N×3×32×32")
        let one = try s.folder.inputs(try randomTensor([5], seed: 1), "rank1.safetensors")
        #expect(s.message(inputs: one) == "\(one): tensor 'input' has shape [5] (rank 1), expected rank 4 (N×C×H×W) or 2 (N×F)")
    }

    @Test func wrongChannels() throws {
        let s = try Setup()
        let x = try s.folder.inputs(try randomTensor([2, 1, 32, 32], seed: 1), "gray.safetensors")
        #expect(s.message(inputs: x) == "\(x): tensor 'input' has shape [2, 1, 32, 32]: model 'lenet5' expects 3 channels, found 1; the input shape is N×C×H×W, model 'lenet5' takes N×3×32×32")
    }

    @Test func spatialSizeThatDoesNotFit() throws {
        let s = try Setup()
        // LeNet-5's fc1 takes 400 = 16·5·5 features; at 28×28 the flattened map has 16·4·4 = 256.
        let x = try s.folder.inputs(try randomTensor([2, 3, 28, 28], seed: 1), "small.safetensors")
        let message = s.message(inputs: x)
        #expect(message.hasPrefix("\(x): tensor 'input' has shape [2, 3, 28, 28]: model 'lenet5' does not fit 3×28×28 examples (layer 'fc1'"))
        #expect(message.hasSuffix("; the input shape is N×C×H×W, model 'lenet5' takes N×3×32×32"))
        // 4×4: too small for conv1's 5×5 kernel.
        let tiny = try s.folder.inputs(try randomTensor([1, 3, 4, 4], seed: 1), "tiny.safetensors")
        #expect(s.message(inputs: tiny).contains("tensor 'input' has shape [1, 3, 4, 4]: model 'lenet5' does not fit 3×4×4 examples (layer 'conv1'"))
    }

    /// A head that infers its input features instantiates at another size, but its weights change shape.
    @Test func spatialSizeThatChangesWeightShapes() throws {
        let s = try Setup()
        let flat = try Network(try ModelSpec.parse(yaml: PredictionFolder.flatSpec), seed: 1)
        let checkpoint = try s.folder.checkpoint(flat, "flat.safetensors")
        let x = try s.folder.inputs(try randomTensor([2, 3, 10, 10], seed: 1), "ten.safetensors")
        // fc: 4·6·6 = 144 features at 8×8, 4·8·8 = 256 at 10×10.
        #expect(s.message(weights: checkpoint, inputs: x) == "\(x): tensor 'input' has shape [2, 3, 10, 10]: at 3×10×10 the model's 'fc.weight' has shape [2, 256], the weights (for 3×8×8) have [2, 144]; the input shape is N×C×H×W, model 'flat' takes N×3×8×8")
    }

    @Test func noExamples() throws {
        let s = try Setup()
        let x = try s.folder.inputs(Tensor(shape: [0, 3, 32, 32]), "none.safetensors")
        #expect(s.message(inputs: x) == "\(x): tensor 'input' has shape [0, 3, 32, 32]: no examples (N = 0), expected N ≥ 1")
    }

    @Test func stateDictThatDoesNotFitNamesTheTensors() throws {
        let s = try Setup()
        var tensors = s.network.parameters.filter { $0.name != "fc3.bias" }.map { ($0.name, $0.value) }
        tensors.append(("fc4.weight", Tensor(shape: [2, 2])))
        let wrong = try s.folder.write(tensors, "wrong.safetensors")
        #expect(s.message(weights: wrong, model: "lenet5") == "\(wrong): corrupt file: does not match the model 'lenet5': missing fc3.bias; unexpected fc4.weight")
        let gray = s.network.parameters.map { $0.name == "conv1.weight" ? ($0.name, Tensor(shape: [6, 1, 5, 5])) : ($0.name, $0.value) }
        let shaped = try s.folder.write(gray, "gray-weights.safetensors")
        #expect(s.message(weights: shaped, model: "lenet5") == "\(shaped): corrupt file: tensor 'conv1.weight' has shape [6, 1, 5, 5], the model 'lenet5' expects [6, 3, 5, 5]")
        // A plain state_dict needs --model.
        #expect(s.message(weights: s.state).contains("no 'convkit.architecture' metadata: name the architecture with --model"))
        #expect(s.message(weights: s.state, model: "resnet9000").hasPrefix("unknown model 'resnet9000'"))
    }

    @Test func missingFilesAndFolders() throws {
        let s = try Setup()
        let nowhere = s.folder.path("nope/y.safetensors")
        #expect(s.message(out: nowhere) == "\(nowhere): folder '\(s.folder.path("nope"))' does not exist (--out writes into an existing folder)")
        #expect(s.message(out: s.folder.url.path).contains("is a directory, expected a file path for the logits (--out)"))
        let missing = s.folder.path("missing.safetensors")
        #expect(s.message(weights: missing).hasPrefix("\(missing): cannot open"))
        #expect(s.message(inputs: missing).hasPrefix("\(missing): cannot open"))
        #expect(!FileManager.default.fileExists(atPath: s.folder.path("nope")))
    }

    @Test func argumentErrors() throws {
        let s = try Setup()
        #expect(s.message(format: nil) == "invalid value for --out: nothing to do: give --out Y.safetensors, --format csv, or both")
        #expect(s.message(format: .json) == "invalid value for --format: predict prints csv (the logits go to --out as safetensors), found 'json'")
        #expect(s.message(threads: 0) == "invalid value for --threads: must be at least 1, found 0")
    }

    /// A failed run leaves no output file behind.
    @Test func nothingIsWrittenOnFailure() throws {
        let s = try Setup()
        let x = try s.folder.inputs(try randomTensor([2, 1, 32, 32], seed: 1), "gray.safetensors")
        let out = s.folder.path("y.safetensors")
        _ = s.message(inputs: x, out: out)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
