import ArgumentParser
import ConvKit
import Foundation

/// `convkit`: count, train and explain convolutional networks.
@main
struct ConvKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convkit",
        abstract: "Count, train and explain convolutional neural networks.",
        subcommands: [SummaryCommand.self, ModelsCommand.self, CompareCommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self,
                      ExplainCommand.self, GradientsCommand.self, GaussianCommand.self, BenchCommand.self, DemoCommand.self]
    )

    /// Runs the command; every error becomes one `error: …` line on stderr and a non-zero exit.
    static func main() {
        do {
            var command = try parseAsRoot()
            try KernelEngine.checkEnvironment()
            try command.run()
        } catch let error as ConvKitError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit { exit(withError: error) }
            var message = message(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            // One line: the first line of the parser's message.
            message = message.split(separator: "\n").first.map(String.init) ?? message
            FileHandle.standardError.write(Data("error: \(message) (see convkit help)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
