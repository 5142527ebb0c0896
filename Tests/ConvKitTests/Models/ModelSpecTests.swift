import Foundation
import Testing
@testable import ConvKit

@Suite struct ModelSpecTests {
    @Test func parsesAllKindsAndNamesUnnamedLayers() throws {
        let yaml = """
        input: [3, 16, 16]
        layers:
          - {type: conv2d, out_channels: 4, kernel_size: [3, 5], padding: [1, 2], dilation: 1, groups: 1, bias: false}
          - {type: batchnorm2d}
          - relu
          - {type: conv2d, out_channels: 4, kernel_size: 3, padding: same}
          - sigmoid
          - {type: avgpool2d, kernel_size: 2, ceil_mode: true}
          - {type: maxpool2d, kernel_size: 3, stride: 1, padding: 1}
          - {type: localresponsenorm, size: 3}
          - {type: adaptiveavgpool2d, output_size: 1}
          - flatten
          - {type: dropout, p: 0.3}
          - {type: linear, out_features: 8}
          - {type: batchnorm1d}
          - tanh
          - {type: linear, name: head, out_features: 2}
        """
        let architecture = try ModelSpec.parse(yaml: yaml)
        let summary = try Summary(architecture)
        #expect(summary.rows.map(\.name) == ["conv1", "bn1", "relu1", "conv2", "sigmoid1", "pool1", "pool2", "lrn1",
                                             "pool3", "flatten1", "dropout1", "fc1", "bn2", "tanh1", "head"])
        #expect(summary.rows[0].output == [4, 16, 16])
        // 4·3·3·5 = 180 weights, no bias.
        #expect(summary.rows[0].cost.params == 180)
        // BatchNorm2d(4): γ and β → 8 params.
        #expect(summary.rows[1].cost.params == 8)
        #expect(summary.output == [2])
    }

    @Test func generatedNamesSkipExplicitOnes() throws {
        let yaml = """
        input: [4]
        layers:
          - {type: linear, name: fc1, out_features: 3}
          - {type: linear, out_features: 2}
        """
        let summary = try Summary(try ModelSpec.parse(yaml: yaml))
        #expect(summary.rows.map(\.name) == ["fc1", "fc2"])
    }

    @Test func duplicateNamesAreRejected() {
        let yaml = """
        input: [4]
        layers:
          - {type: linear, name: a, out_features: 3}
          - {type: linear, name: a, out_features: 2}
        """
        let error = expectConvKitError { _ = try Summary(try ModelSpec.parse(yaml: yaml)) }
        #expect(error?.description.contains("two layers are named 'a'") == true)
    }

    struct BadSpec: Sendable, CustomTestStringConvertible {
        let file: String, line: Int, column: Int, message: String
        var testDescription: String { file }
    }

    static let badSpecs: [BadSpec] = [
        BadSpec(file: "tabs.yaml", line: 4, column: 1, message: "tabs"),
        BadSpec(file: "unknown-layer.yaml", line: 4, column: 12, message: "unknown layer type 'conv3d'"),
        BadSpec(file: "negative-kernel.yaml", line: 5, column: 18, message: "kernel_size must be a positive integer, found -3"),
        BadSpec(file: "unknown-key.yaml", line: 5, column: 5, message: "unknown key 'kernal_size'"),
        BadSpec(file: "missing-input.yaml", line: 1, column: 1, message: "missing required key 'input'"),
        BadSpec(file: "unclosed.yaml", line: 2, column: 7, message: "invalid YAML"),
    ]

    @Test(arguments: badSpecs)
    func badSpecFilesNameFileLineAndColumn(bad: BadSpec) throws {
        let path = Repository.fixture("specs/" + bad.file)
        let error = try #require(expectConvKitError { _ = try ModelSpec.load(file: path) })
        guard case let .specError(file, line, column, reason) = error else {
            Issue.record("expected a spec error, got \(error)")
            return
        }
        #expect(file == path)
        #expect(line == bad.line)
        #expect(column == bad.column)
        #expect(reason.contains(bad.message), "\(reason)")
    }

    @Test func layerThatDoesNotFitNamesTheLayer() {
        let error = expectConvKitError { _ = try Summary(try ModelSource.resolve(Repository.fixture("specs/does-not-fit.yaml"))) }
        #expect(error == .shapeMismatch(layer: "head", expected: "100 input features", found: "144"))
    }

    @Test func unknownModelAndMissingFile() {
        let unknown = expectConvKitError { _ = try ModelSource.resolve("resnet9000") }
        if case let .unknownModel(name, known)? = unknown {
            #expect(name == "resnet9000")
            #expect(known.contains("alexnet"))
        } else {
            Issue.record("expected unknownModel, got \(String(describing: unknown))")
        }
        let missing = expectConvKitError { _ = try ModelSource.resolve("no/such/spec.yaml") }
        #expect(missing == .fileError(file: "no/such/spec.yaml", reason: "no such spec file"))
    }

    @Test func everyExampleParses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.path("examples")).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 5)
        for file in files {
            _ = try Summary(try ModelSpec.load(file: Repository.path("examples/" + file)))
        }
    }
}
