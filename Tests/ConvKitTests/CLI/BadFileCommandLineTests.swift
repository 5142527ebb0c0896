import Foundation
import Testing
@testable import ConvKit

/// Every handcrafted bad file of the fixtures, fed to the command a user would run: exit status 1,
/// exactly one `error:` line naming the file and the defect, no crash and no output.
@Suite struct BadFileCommandLineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: [String]
        let message: String
        var testDescription: String { name }
    }

    static func fixture(_ path: String) -> String {
        path.hasPrefix("cifar10/") ? generatedCIFAR10 + "/" + path.dropFirst("cifar10/".count) : Repository.fixture(path)
    }

    /// Two tiny bad CIFAR-10 folders, written once per test run (not committed: `.bin` files in
    /// the repository read as dataset files). Each record is 1 label byte + 3,072 pixel bytes.
    /// `truncated/`: one-record batches, but data_batch_2.bin has 2 · 3,073 − 73 = 6,073 bytes.
    /// `label-200/`: valid one-record training batches; test_batch.bin's record 1 has label 200.
    static let generatedCIFAR10: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-bad-cifar10-\(ProcessInfo.processInfo.processIdentifier)").path
        func records(_ labels: [UInt8]) -> Data {
            var bytes: [UInt8] = []
            for (r, label) in labels.enumerated() {
                bytes.append(label)
                bytes += (0..<3_072).map { UInt8(truncatingIfNeeded: $0 &+ r &* 7) }
            }
            return Data(bytes)
        }
        for folder in ["truncated", "label-200"] {
            try? FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            for batch in 1...5 {
                var data = records([UInt8(batch)])
                if folder == "truncated" && batch == 2 { data = records([2, 3]).prefix(6_073) }
                FileManager.default.createFile(atPath: "\(root)/\(folder)/data_batch_\(batch).bin", contents: data)
            }
            FileManager.default.createFile(atPath: "\(root)/\(folder)/test_batch.bin", contents: records(folder == "label-200" ? [3, 200] : [3]))
        }
        return root
    }()

    static let cases: [Case] = [
        Case(name: "truncated CIFAR-10 batch", arguments: ["train", "lenet5", "--dataset", "cifar10", "--data-dir", fixture("cifar10/truncated")],
             // 2 · 3,073 − 73 = 6,073 bytes.
             message: "\(fixture("cifar10/truncated"))/data_batch_2.bin: truncated: 6,073 bytes is not a whole number of 3,073-byte records (expected a multiple of 3,073, e.g. 3,073 bytes for 1 records)"),
        Case(name: "CIFAR-10 label 200", arguments: ["train", "lenet5", "--dataset", "cifar10", "--data-dir", fixture("cifar10/label-200")],
             message: "\(fixture("cifar10/label-200"))/test_batch.bin: record 1 (byte offset 3,073): label 200 is not a CIFAR-10 class (0…9)"),
        Case(name: "MNIST image count", arguments: ["train", "lenet5", "--dataset", "mnist", "--data-dir", fixture("mnist/images-count-mismatch")],
             // 16 + 2 · 28 · 28 = 1,584.
             message: "\(fixture("mnist/images-count-mismatch"))/train-images-idx3-ubyte: header announces 2 images of 28×28 = 1,584 bytes with the 16-byte header, but the file holds 800 bytes"),
        Case(name: "YAML with a tab", arguments: ["summary", fixture("specs/tabs.yaml")],
             message: "\(fixture("specs/tabs.yaml")):4:1: invalid YAML: found character that cannot start any token (a tab character: YAML indentation must use spaces, not tabs)"),
        Case(name: "unknown layer", arguments: ["summary", fixture("specs/unknown-layer.yaml")],
             message: "\(fixture("specs/unknown-layer.yaml")):4:12: unknown layer type 'conv3d'"),
        Case(name: "negative kernel", arguments: ["summary", fixture("specs/negative-kernel.yaml")],
             message: "\(fixture("specs/negative-kernel.yaml")):5:18: kernel_size must be a positive integer, found -3"),
        Case(name: "deep nesting", arguments: ["summary", fixture("specs/deep-nesting.yaml")],
             message: "\(fixture("specs/deep-nesting.yaml")):3:1007: nesting too deep"),
        Case(name: "anchors", arguments: ["summary", fixture("specs/anchors.yaml")],
             message: "\(fixture("specs/anchors.yaml")):3:5: anchors and aliases (&name, *name) are not supported in spec files"),
        Case(name: "count overflow", arguments: ["summary", fixture("specs/overflow.yaml")], message: "integer overflow: "),
        // 2 · (10^12 + 10^6) · 4 bytes for weights and gradients, refused before the data is even loaded.
        Case(name: "10^12-parameter model", arguments: ["train", fixture("specs/huge-linear.yaml")],
             message: "training 'huge-linear' at batch 4 ("),
        Case(name: "safetensors header length 2^60", arguments: ["evaluate", fixture("safetensors/header-length-2-pow-60.safetensors")],
             message: "corrupt file: header length 1152921504606846976 bytes exceeds the 8 bytes after the 8-byte length field (file size 16 bytes)"),
        Case(name: "safetensors overlapping offsets", arguments: ["evaluate", fixture("safetensors/overlapping-offsets.safetensors")],
             message: "corrupt file: tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]"),
        Case(name: "safetensors wrong dtype", arguments: ["evaluate", fixture("safetensors/wrong-dtype.safetensors")],
             message: "corrupt file: tensor 'a': unknown dtype \"F33\""),
        Case(name: "CSV missing value", arguments: ["gaussian", "fit", fixture("gaussian/missing-value.csv"), "--label", "fruit", "--out", "/nonexistent/m.json"],
             message: "\(fixture("gaussian/missing-value.csv")):4: column 'weight': missing value"),
        Case(name: "Gaussian model with a negative variance", arguments: ["gaussian", "predict", fixture("gaussian/negative-variance.json"), fixture("gaussian/fruit.csv")],
             message: "\(fixture("gaussian/negative-variance.json")): variances[1] (feature 'y') is -2.0; variances must be positive"),
    ]

    @Test(arguments: cases)
    func badFileGivesOneErrorLine(testCase: Case) throws {
        let result = try CommandLineTests.run(testCase.arguments)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(result.stderr)")  // one line and its newline
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(testCase.message), "\(result.stderr)")
    }
}
