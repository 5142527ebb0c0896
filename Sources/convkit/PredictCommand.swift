import ArgumentParser
import ConvKit
import Foundation

/// `convkit predict`: logits of a checkpoint (or PyTorch state_dict) on a tensor of inputs.
/// The logic is ``Prediction/run(weights:model:inputs:out:format:threads:slice:)``.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Logits [N, classes] of a checkpoint on the float32 tensor 'input' (N×C×H×W) of a safetensors file.",
        discussion: """
        X holds one F32 tensor 'input', used as it is (no normalisation). Y gets one F32 tensor 'logits' \
        [N, classes], computed in evaluation mode and written atomically. --format csv prints \
        index,argmax,logit0,… per example to stdout.
        """
    )

    @Argument(help: "A ConvKit checkpoint, or a PyTorch state_dict saved with safetensors (then give --model).") var weights: String
    @Option(help: ArgumentHelp("Architecture (zoo name or spec file); overrides a checkpoint's own.", valueName: "model-or-spec")) var model: String?
    @Option(help: ArgumentHelp("Safetensors file with the tensor 'input', N×C×H×W (or N×F), float32.", valueName: "x.safetensors")) var inputs: String
    @Option(help: ArgumentHelp("Write the logits to this safetensors file (tensor 'logits', [N, classes]).", valueName: "y.safetensors")) var out: String?
    @Option(help: ArgumentHelp("Print the logits to stdout: csv.", valueName: "csv")) var format: String?
    @Option(help: ArgumentHelp("Threads (default: active processors).", valueName: "n")) var threads: Int?

    func run() throws {
        let format = try format.map { try OutputFormat(parsing: $0) }
        let result = try Prediction.run(weights: weights, model: model, inputs: inputs, out: out, format: format,
                                        threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if let csv = result.csv { print(csv, terminator: "") }
    }
}
