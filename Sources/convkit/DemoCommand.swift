import ArgumentParser
import ConvKit
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Count LeNet-5, then train it for 2 epochs on the built-in shapes dataset (no files, no network)."
    )

    @Option(help: "Threads (default: active processors).") var threads: Int?

    func run() throws {
        print(try SummaryReport.make(model: "lenet5"))
        var request = TrainingRequest(model: "lenet5", dataset: "shapes")
        request.options.epochs = 2
        request.options.batchSize = 16
        request.options.learningRate = 0.01
        request.options.momentum = 0.9
        request.options.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        print("Training LeNet-5 on shapes (10,000 generated 32×32 images, 10 classes): 2 epochs, batch 16, SGD lr 0.01 momentum 0.9")
        let bar = ProgressBar(enabled: isatty(STDOUT_FILENO) == 1)
        let start = Date()
        try TrainingSession.run(request, print: { bar.clear(); print($0); fflush(nil) },
                                progress: { epoch, done, total in bar.update(label: "epoch \(epoch)", done: done, total: total) })
        bar.clear()
        print(String(format: "Done in %.1f s.", Date().timeIntervalSince(start)))
    }
}
