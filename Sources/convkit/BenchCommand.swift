import ArgumentParser
import ConvKit
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure SGEMM, LeNet-5 training (batch 4 and 64) and inference, and airbench94 training (batch 256), on synthetic data.",
        discussion: """
        Medians of repeated runs; build with -c release. Takes about 40 seconds. With --model, measures \
        that network's training steps (forward, loss, backward, SGD with momentum) and evaluation-mode \
        forward passes at --batch-size instead, on synthetic data of its input shape.
        """
    )

    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(help: "Threads (default: active processors).") var threads: Int?
    @Option(help: "Timed samples per figure (the median is reported).") var samples: Int = 5
    @Option(help: "Minimum seconds per sample (0: one repetition per sample).") var seconds: Double = 0.5
    @Option(help: "Zoo model name or YAML spec file to measure instead of the LeNet-5 figures.") var model: String?
    @Option(help: "Batch size of the --model figures.") var batchSize: Int = 128
    @Option(help: ArgumentHelp("Measure only these figures (comma-separated: sgemm, train-small, train-large, inference, train-airbench94).", visibility: .hidden))
    var only: String?

    func run() throws {
        let count = threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard count >= 1 else { throw ConvKitError.invalidArgument(name: "--threads", reason: "must be at least 1, found \(count)") }
        guard samples >= 1 else { throw ConvKitError.invalidArgument(name: "--samples", reason: "must be at least 1, found \(samples)") }
        guard seconds >= 0, seconds.isFinite else { throw ConvKitError.invalidArgument(name: "--seconds", reason: "must be a non-negative number, found \(seconds)") }
        var options = BenchmarkOptions(threads: count)
        options.samples = samples
        options.secondsPerSample = seconds
        if let model {
            guard batchSize >= 1 else { throw ConvKitError.invalidArgument(name: "--batch-size", reason: "must be at least 1, found \(batchSize)") }
            options.model = (model, try ModelSource.resolve(model))
            options.modelBatch = batchSize
            options.figures = [.model]
        }
        if let only {
            options.figures = []
            for name in only.split(separator: ",") {
                guard let figure = BenchmarkFigure(rawValue: String(name)), figure != .model || model != nil else {
                    throw ConvKitError.invalidArgument(name: "--only", reason: "'\(name)' is not one of \(BenchmarkFigure.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                options.figures.insert(figure)
            }
        }
        let report = try Benchmark.run(options) { line in
            if !json { FileHandle.standardError.write(Data("measuring \(line)…\n".utf8)) }
        }
        print(json ? report.json() : report.table())
    }
}
