import ArgumentParser
import ConvKit
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on CIFAR-10, MNIST or the built-in shapes dataset.",
        discussion: "Prints one line per epoch and the final test accuracy; on a terminal a progress bar shows images/s and ETA."
    )

    @Argument(help: "Zoo model name or path of a YAML spec file.") var model: String
    @Option(help: "Dataset: cifar10, mnist or shapes.") var dataset: String = "shapes"
    @Option(name: .customLong("data-dir"), help: "Folder with the dataset files (default: $CONVKIT_DATA or ~/.cache/convkit).") var dataDirectory: String?
    @Option(help: "Epochs.") var epochs: Int = 20
    @Option(name: .customLong("batch-size"), help: "Mini-batch size.") var batchSize: Int = 4
    @Option(help: "Learning rate.") var lr: Double = 0.001
    @Option(help: "Momentum (SGD).") var momentum: Double = 0.9
    @Flag(help: "Nesterov momentum.") var nesterov = false
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay.") var weightDecay: Double = 0
    @Option(help: "Optimizer: sgd or adam.") var optimizer: String = "sgd"
    @Option(help: "Learning-rate schedule: constant, step:EVERY:FACTOR or cosine.") var schedule: String = "constant"
    @Option(help: "Input normalisation: half ((x/255 − 0.5)/0.5), dataset (per-channel mean/std) or unit (x/255).") var normalize: String = "half"
    @Flag(name: .customLong("batch-norm"), help: "Insert BatchNorm after every convolution.") var batchNorm = false
    @Option(help: "Insert Dropout(P) after every hidden fully connected layer's activation.") var dropout: Double?
    @Flag(help: "Random crop (4-pixel padding) and horizontal flip.") var augment = false
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Threads (default: active processors).") var threads: Int?
    @Option(help: "Train on the first N training images.") var limit: Int?
    @Option(help: "Write the trained network to this safetensors file.") var checkpoint: String?
    @Option(help: "Write per-epoch metrics to this CSV (and an SVG plot next to it).") var metrics: String?

    func run() throws {
        var request = TrainingRequest(model: model, dataset: dataset)
        request.dataDirectory = dataDirectory
        request.batchNorm = batchNorm
        request.dropout = dropout
        request.limit = limit
        request.checkpoint = checkpoint
        request.metrics = metrics
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.learningRate = lr
        options.momentum = momentum
        options.nesterov = nesterov
        options.weightDecay = weightDecay
        guard let kind = TrainingOptions.OptimizerKind(rawValue: optimizer) else {
            throw ConvKitError.invalidArgument(name: "--optimizer", reason: "'\(optimizer)' is not one of sgd, adam")
        }
        options.optimizer = kind
        options.schedule = try LearningRateSchedule(parsing: schedule, epochs: epochs)
        options.seed = seed
        options.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        options.augmentation = augment ? .standard : .none
        request.options = options
        request.normalization = normalize
        let bar = ProgressBar(enabled: isatty(STDOUT_FILENO) == 1)
        try TrainingSession.run(request, print: { bar.clear(); print($0); fflush(nil) },
                                progress: { epoch, done, total in bar.update(label: "epoch \(epoch)", done: done, total: total) })
        bar.clear()
    }
}
