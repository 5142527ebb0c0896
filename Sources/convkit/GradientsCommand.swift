import ArgumentParser
import ConvKit
import Foundation

struct GradientsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradients",
        abstract: "Per-layer norms of ∂L/∂W, ∂L/∂b and ∂L/∂y at initialisation, on one batch.",
        discussion: """
        Without MODEL_OR_SPEC it builds an MLP: flatten, then --depth linear layers (--width units each, the last to
        --classes) with --activation between them. One batch (--batch) of seeded standard-normal inputs with random
        labels, forward in training mode, softmax cross-entropy, backward. --init small/large multiplies every conv and
        linear weight by 0.1/10 after PyTorch's default initialisation.
        """
    )

    @Argument(help: "Zoo model name or path of a YAML spec file (omit to build an MLP).")
    var model: String?

    @Option(help: "sigmoid, tanh, relu, relu6, leakyrelu (slope 0.01), gelu, silu or hardswish: the MLP's activation (default relu), or the replacement for every activation of the model.")
    var activation: String?

    @Option(help: "MLP: number of linear layers (default 10).")
    var depth: Int?

    @Option(help: "MLP: hidden width (default 32).")
    var width: Int?

    @Option(help: "MLP: number of classes (default 10).")
    var classes: Int?

    @Option(help: "Input shape C,H,W or F (MLP default 3,32,32; a model's default otherwise).")
    var input: String?

    @Option(help: "Initialisation: default (PyTorch), small (weights × 0.1) or large (weights × 10).")
    var `init`: String = "default"

    @Option(help: "Batch size.")
    var batch: Int = 64

    @Option(help: "Seed of the initialisation and the random batch.")
    var seed: UInt64 = 1

    @Option(help: "Data: random (default: seeded standard-normal inputs, random labels).")
    var dataset: String?

    @Option(help: "Folder of the dataset files.")
    var dataDir: String?

    @Option(help: "Write a log-scale SVG bar chart of the norms to this file.")
    var svg: String?

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: String = "table"

    @Option(help: "Kernel threads (results are identical for the same count).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let output = try GradientFlowReport.run(.init(
            model: model, activation: activation, depth: depth, width: width, classes: classes, input: input,
            initialisation: `init`, batch: batch, seed: seed, dataset: dataset, dataDirectory: dataDir, svg: svg,
            format: OutputFormat(parsing: format), threads: threads))
        print(output.text, terminator: "")
    }
}
