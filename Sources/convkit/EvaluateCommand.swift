import ArgumentParser
import ConvKit
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Test loss, accuracy, per-class accuracy and confusion matrix of a checkpoint."
    )

    @Argument(help: "A safetensors checkpoint (from convkit train --checkpoint, or PyTorch with --model).") var checkpoint: String
    @Option(help: "Dataset: cifar10, mnist or shapes.") var dataset: String = "shapes"
    @Option(name: .customLong("data-dir"), help: "Folder with the dataset files.") var dataDirectory: String?
    @Option(help: "Architecture (zoo name or spec) for checkpoints without ConvKit metadata.") var model: String?
    @Option(help: "Evaluate the first N test images.") var limit: Int?
    @Option(help: "Threads (default: active processors).") var threads: Int?
    @Option(help: "Also write the logits to this safetensors file.") var logits: String?
    @Option(help: "Output format: table or json.") var format: String = "table"

    func run() throws {
        let format = try OutputFormat(parsing: format)
        guard format == .table || format == .json else {
            throw ConvKitError.invalidArgument(name: "--format", reason: "evaluate prints table or json")
        }
        print(try EvaluationReport.make(checkpoint: checkpoint, dataset: dataset, dataDirectory: dataDirectory, model: model, limit: limit,
                                        threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, logits: logits, format: format),
              terminator: "")
    }
}
