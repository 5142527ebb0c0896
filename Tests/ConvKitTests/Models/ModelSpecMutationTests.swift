import Foundation
import Testing
@testable import ConvKit

/// Seeded mutation testing of the YAML spec reader and the shape/cost analysis behind it: 10,000
/// corrupted specs each parse and analyse, or throw a ConvKitError — never trap. Mutants splice in
/// YAML syntax, tabs, anchors, layer kinds, keys and edge numbers (−1, 2^63, 10^20, 1e400), so
/// they reach the parser, the key and type checks and the overflow checks of the cost arithmetic.
@Suite struct ModelSpecMutationTests {
    static let iterations = 10_000

    static let phrases = [
        "invalid YAML", "must be a positive integer", "must be an integer", "must be a number", "must be a list",
        "must be a mapping", "must be a string", "must be true or false", "unknown layer type", "unknown key",
        "missing required key", "duplicate key", "anchors and aliases", "expected input", "integer overflow",
        "must be non-negative", "needs parameters", "layer names must be", "must list at least one layer",
        "input must be", "the file is empty", "is not divisible by groups", "connection table", "must be in [0, 1",
        "two layers are named", "two branches are named", "must be positive", "cannot read YAML", "keys of",
        "must be at most half the kernel", "concat needs at least one branch",
    ]
    /// Rare with this seed (each has its own unit test), so not required.
    static let rare: Set = ["needs parameters", "must list at least one layer", "two layers are named", "two branches are named",
                            "concat needs at least one branch", "must be at most half the kernel", "integer overflow", "input must be"]

    static let tokens = [
        "\t", "[", "]", "{", "}", ", ", ": ", "- ", "\n  - ", "\n", "  ", "'", "\"", "# ", "&a ", "*a", "!!str ", "? ",
        "|\n", "~", "null", "true", "-3", "0", "2", "99999999999999999999", "9223372036854775807", "4611686018427387904",
        "3037000500", "1e400", "type: sequential", "type: concat", "conv2d", "linear", "maxpool2d", "avgpool2d",
        "adaptiveavgpool2d", "batchnorm2d", "localresponsenorm", "dropout", "flatten", "relu", "kernel_size",
        "out_channels", "out_features", "in_features", "stride", "padding", "dilation", "groups", "output_size",
        "layers:", "branches:", "name: a", "padding: same", "ceil_mode: true", "connection_table: [[0], [0, 1]]",
        "p: 1", "size: ", "input: [1]", "input: [3, 32, 32]", "[1, 2]", "[0, 0]", "2147483647", "65536", "layers: []",
        "branches: []", "name: b", "input: [2147483647, 2147483647, 3]",
    ]

    /// Small bases keep 10,000 parses within a few seconds in debug builds: LeNet-5 in block style,
    /// every layer kind in flow style, and an Inception-like concat.
    static let bases = [
        """
        name: lenet
        input: [3, 32, 32]
        layers:
          - {type: conv2d, name: conv1, out_channels: 6, kernel_size: 5}
          - relu
          - {type: maxpool2d, kernel_size: 2}
          - type: conv2d
            out_channels: 16
            kernel_size: [5, 5]
          - relu
          - flatten
          - {type: linear, out_features: 10}
        """,
        """
        input: [3, 12, 12]
        layers:
          - {type: conv2d, out_channels: 4, kernel_size: [3, 5], padding: [1, 2], dilation: 1, groups: 1, bias: true}
          - {type: batchnorm2d, num_features: 4, eps: 1e-5, momentum: 0.1}
          - {type: conv2d, out_channels: 6, kernel_size: 3, padding: same, connection_table: [[0], [1], [2], [3], [0, 1], [2, 3]]}
          - {type: maxpool2d, kernel_size: 2, stride: 2, ceil_mode: true}
          - {type: localresponsenorm, size: 3, k: 2}
          - {type: avgpool2d, kernel_size: 3, stride: 1, padding: 1, count_include_pad: false}
          - {type: subsampling, kernel_size: 2}
          - {type: adaptiveavgpool2d, output_size: [3, 2]}
          - {type: sequential, name: head, layers: [flatten, {type: linear, out_features: 12}, {type: dropout, p: 0.5}]}
          - {type: batchnorm1d}
          - {type: linear, in_features: 12, out_features: 10, bias: false}
        """,
        """
        input: [8, 9, 9]
        layers:
          - type: concat
            branches:
              - {name: a, layers: [{type: conv2d, out_channels: 2, kernel_size: 1}, tanh]}
              - name: b
                layers:
                  - {type: maxpool2d, kernel_size: 3, stride: 1, padding: 1}
                  - sigmoid
          - {type: conv2d, out_channels: 4, kernel_size: 3, stride: 2, groups: 2}
        """,
    ]

    @Test func mutatedSpecsParseOrThrowConvKitError() throws {
        let bases = Self.bases.map { Array($0.utf8) }
        for base in bases { _ = try Summary(try ModelSpec.parse(yaml: String(decoding: base, as: UTF8.self))) }

        var mutator = Mutator(seed: 0x5EC5, tokens: Self.tokens)
        let outcome = runMutations(iterations: Self.iterations, bases: bases, mutator: &mutator, phrases: Self.phrases) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { return }  // ModelSpec.load refuses non-UTF-8 first
            let architecture = try ModelSpec.parse(yaml: text, file: "mutant.yaml")
            let summary = try Summary(architecture)
            #expect(summary.totals.params >= 0)
        }
        expectCoverage(outcome, iterations: Self.iterations, required: Self.phrases.filter { !Self.rare.contains($0) })
    }
}

/// The same seeded mutation testing for graph specs: `inputs:`, `add`, `residual` (body,
/// shortcut, shortcut_name, activation) and concat of named inputs.
@Suite struct GraphSpecMutationTests {
    static let iterations = 5_000

    /// The graph errors first, then every other message a mutant can reach.
    static let phrases = [
        "unknown input", "is defined later", "identical shape", "add needs two or more inputs",
    ] + ModelSpecMutationTests.phrases + ["activation must be a layer type", "reads one input", "inputs must name at least one layer"]
    /// Required: the graph errors and the common ones; the rest may or may not be reached.
    static let required: Set = ["unknown input", "is defined later", "identical shape", "invalid YAML", "unknown key", "unknown layer type"]

    static let tokens = [
        "\t", "[", "]", "{", "}", ", ", ": ", "- ", "\n  - ", "\n", "  ", "'", "\"", "# ", "null", "true", "-3", "0", "2",
        "inputs: [a, b]", "inputs: [input]", "inputs: [z]", "inputs: []", "inputs: [sum]", "type: add", "type: residual",
        "type: concat", "body:", "shortcut:", "shortcut: []", "shortcut_name: downsample", "activation: relu",
        "activation: conv2d", "input", "sum", "a", "b", "block", "relu", "conv2d", "out_channels", "kernel_size", "stride: 2",
        "padding: 1", "name: a", "name: b", "name: input", "layers:", "branches:",
    ]

    static let bases = [
        """
        input: [4, 8, 8]
        layers:
          - {type: conv2d, name: a, out_channels: 4, kernel_size: 3, padding: 1}
          - {type: relu, name: r}
          - {type: conv2d, name: b, out_channels: 4, kernel_size: 3, padding: 1}
          - {type: add, name: sum, inputs: [b, input, a]}
          - type: residual
            name: block
            body:
              - {type: conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
              - relu
            shortcut:
              - {type: conv2d, out_channels: 8, kernel_size: 1, stride: 2}
            shortcut_name: downsample
            activation: relu
          - {type: conv2d, name: c, out_channels: 2, kernel_size: 1}
          - {type: concat, name: join, inputs: [c, block]}
        """,
    ]

    @Test func mutatedGraphSpecsParseOrThrowConvKitError() throws {
        let bases = Self.bases.map { Array($0.utf8) }
        for base in bases { _ = try Summary(try ModelSpec.parse(yaml: String(decoding: base, as: UTF8.self))) }
        var mutator = Mutator(seed: 0x6A4F, tokens: Self.tokens)
        let outcome = runMutations(iterations: Self.iterations, bases: bases, mutator: &mutator, phrases: Self.phrases) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            let summary = try Summary(try ModelSpec.parse(yaml: text, file: "mutant.yaml"))
            #expect(summary.totals.params >= 0)
            // What reads back must also instantiate: shapes were checked by the summary.
            if summary.totals.params < 100_000 { _ = try Network(try ModelSpec.parse(yaml: text, file: "mutant.yaml"), seed: 0) }
        }
        expectCoverage(outcome, iterations: Self.iterations, required: Self.phrases.filter { Self.required.contains($0) })
    }
}
