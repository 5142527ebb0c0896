import Foundation
import Testing
@testable import ConvKit

/// `--emit-spec`: the emitted YAML parses back to the same summary (rows and totals).
@Suite struct SpecEmitterTests {
    func expectRoundTrip(_ architecture: Architecture, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = try SpecEmitter.emit(architecture)
        let parsed = try ModelSpec.parse(yaml: text, file: "emitted.yaml")
        let (before, after) = (try Summary(architecture), try Summary(parsed))
        #expect(after.model == before.model, sourceLocation: sourceLocation)
        #expect(after.input == before.input, sourceLocation: sourceLocation)
        #expect(after.rows.map(\.name) == before.rows.map(\.name), sourceLocation: sourceLocation)
        for (x, y) in zip(after.rows, before.rows) {
            let same = x == y  // kind, shapes, every count with its formula, receptive field
            #expect(same, "row \(x.name) differs after the round trip", sourceLocation: sourceLocation)
        }
        let sameTotals = after.totals == before.totals, sameField = after.field == before.field
        #expect(sameTotals && sameField, "totals or receptive field differ", sourceLocation: sourceLocation)
    }

    @Test(arguments: Zoo.names)
    func zooModelsRoundTrip(name: String) throws {
        try expectRoundTrip(try #require(Zoo.model(named: name)))
    }

    @Test(arguments: Zoo.names)
    func rewrittenZooModelsRoundTrip(name: String) throws {
        let model = try #require(Zoo.model(named: name))
        for rewrite in [Rewrite.factorize3x3, .bottleneck(channels: 32), .width(factor: 0.5), .globalPoolHead, .noGroups] {
            try expectRoundTrip(try rewrite.apply(to: model).architecture)
        }
    }

    @Test func everyLayerKindRoundTrips() throws {
        let yaml = """
        name: kinds
        description: "All kinds: \\"quoted\\" text."
        input: [3, 16, 16]
        layers:
          - {type: conv2d, out_channels: 4, kernel_size: [3, 5], padding: [1, 2], dilation: 1, bias: false}
          - {type: batchnorm2d, num_features: 4, eps: 0.001, momentum: 0.2, affine: false}
          - relu
          - {type: conv2d, out_channels: 4, kernel_size: 3, padding: same, groups: 2, dilation: 2}
          - {type: subsampling, kernel_size: 2}
          - sigmoid
          - {type: avgpool2d, kernel_size: 2, stride: 1, ceil_mode: true, count_include_pad: false, padding: 1}
          - {type: maxpool2d, kernel_size: 3, stride: [1, 2], padding: 1, dilation: 2}
          - {type: localresponsenorm, size: 3, alpha: 0.00002, beta: 0.5, k: 2}
          - type: sequential
            name: "0"
            layers:
              - {type: conv2d, in_channels: 4, out_channels: 6, kernel_size: 1, connection_table: [[0], [1], [2], [3], [0, 1], [2, 3]]}
          - {type: adaptiveavgpool2d, output_size: [2, 1]}
          - flatten
          - {type: dropout, p: 0.3}
          - {type: linear, in_features: 12, out_features: 8, bias: false}
          - {type: batchnorm1d}
          - tanh
          - {type: linear, name: head, out_features: 2}
        """
        let architecture = try ModelSpec.parse(yaml: yaml)
        try expectRoundTrip(architecture)
        let text = try SpecEmitter.emit(architecture)
        #expect(text.contains("{type: batchnorm2d, name: \"bn1\", num_features: 4, eps: 0.001, momentum: 0.2, affine: false}"))
        #expect(text.contains("connection_table: [[0], [1], [2], [3], [0, 1], [2, 3]]"))
        #expect(text.contains("description: \"All kinds: \\\"quoted\\\" text.\""))
    }

    @Test func anonymousConcatIsAllowedOnlyForConcat() throws {
        let concat = "input: [4, 8, 8]\nlayers:\n  - {type: concat, name: \"\", branches: [{name: a, layers: [relu]}, {name: b, layers: [tanh]}]}\n"
        let summary = try Summary(try ModelSpec.parse(yaml: concat))
        #expect(summary.rows.map(\.name) == ["a.relu1", "b.tanh1", "concat"])
        let relu = "input: [4]\nlayers:\n  - {type: relu, name: \"\"}\n"
        let error = expectConvKitError { _ = try ModelSpec.parse(yaml: relu) }
        #expect(error?.description.contains("layer names must be non-empty") == true)
    }
}
