import ArgumentParser
import ConvKit
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on CIFAR-10, MNIST or the built-in shapes dataset.",
        discussion: """
        Prints one line per epoch and the final test accuracy; on a terminal a progress bar shows images/s and ETA.
        With --checkpoint-every N the checkpoint holds the optimizer and random-generator state and can be continued with \
        --resume PATH (bit-identical to an uninterrupted run with the same threads). Ctrl-C (SIGINT) or SIGTERM finishes \
        the current step, writes a resumable checkpoint to --checkpoint and exits with status 130 (143); a second signal \
        exits at once.
        """
    )

    @Argument(help: "Zoo model name or path of a YAML spec file (omit with --resume).") var model: String?
    @Option(help: "Dataset: cifar10, mnist or shapes (default: shapes).") var dataset: String?
    @Option(name: .customLong("data-dir"), help: "Folder with the dataset files (default: $CONVKIT_DATA or ~/.cache/convkit).") var dataDirectory: String?
    @Option(help: "Epochs (default: 20; with --resume, the total to reach).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Mini-batch size (default: 4).") var batchSize: Int?
    @Option(help: "Learning rate (default: 0.001).") var lr: Double?
    @Option(help: "Momentum (SGD, default: 0.9).") var momentum: Double?
    @Flag(help: "Nesterov momentum.") var nesterov = false
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay (default: 0).") var weightDecay: Double?
    @Option(help: "Optimizer: sgd or adam (default: sgd).") var optimizer: String?
    @Option(help: "Learning-rate schedule: constant, step:EVERY:FACTOR or cosine (default: constant).") var schedule: String?
    @Option(help: "Input normalisation: half ((x/255 − 0.5)/0.5, the default), dataset (per-channel mean/std) or unit (x/255).") var normalize: String?
    @Option(help: "C,H,W: run the model at this input size (its own by default), e.g. 3,32,32 to train an ImageNet model on 32×32 data.") var input: String?
    @Option(help: "Replace the outputs of the model's last convolution or linear layer by N (torchvision's num_classes).") var classes: Int?
    @Flag(name: .customLong("batch-norm"), help: "Insert BatchNorm after every convolution (transposed ones too).") var batchNorm = false
    @Option(help: "Insert Dropout(P) after every hidden fully connected layer's activation.") var dropout: Double?
    @Flag(help: "Random crop (4-pixel padding) and horizontal flip.") var augment = false
    @Option(help: "Random seed (default: 0).") var seed: UInt64?
    @Option(help: "Threads (default: active processors).") var threads: Int?
    @Option(help: "Train on the first N training images.") var limit: Int?
    @Option(help: "Write the trained network to this safetensors file.") var checkpoint: String?
    @Option(name: .customLong("checkpoint-every"), help: "Write a resumable checkpoint (weights, optimizer and generator state) to --checkpoint every N epochs and at the end.") var checkpointEvery: Int?
    @Option(help: "Write per-epoch metrics to this CSV (and an SVG plot next to it).") var metrics: String?
    @Option(help: "Continue the run saved in this resumable checkpoint.") var resume: String?

    func run() throws {
        var arguments = TrainingArguments()
        arguments.model = model
        arguments.dataset = dataset
        arguments.dataDirectory = dataDirectory
        arguments.epochs = epochs
        arguments.batchSize = batchSize
        arguments.learningRate = lr
        arguments.momentum = momentum
        arguments.nesterov = nesterov
        arguments.weightDecay = weightDecay
        arguments.optimizer = optimizer
        arguments.schedule = schedule
        arguments.normalize = normalize
        arguments.input = input
        arguments.classes = classes
        arguments.batchNorm = batchNorm
        arguments.dropout = dropout
        arguments.augment = augment
        arguments.seed = seed
        arguments.threads = threads
        arguments.limit = limit
        arguments.checkpoint = checkpoint
        arguments.checkpointEvery = checkpointEvery
        arguments.metrics = metrics

        let stop = StopSignal.install()
        let bar = ProgressBar(enabled: isatty(STDOUT_FILENO) == 1)
        let report: (String) -> Void = { bar.clear(); print($0); fflush(nil) }
        let progress: (Int, Int, Int) -> Void = { epoch, done, total in bar.update(label: "epoch \(epoch)", done: done, total: total) }
        let outcome: TrainingOutcome
        if let resume {
            try arguments.requireResumable(from: resume)
            let state = try ResumableCheckpoint.load(resume)
            let request = try arguments.resumedRequest(state.request, from: resume)
            report(TrainingSession.resumeLine(path: resume, position: state.position, epochs: request.options.epochs))
            if request.options.threads != state.request.options.threads {
                FileHandle.standardError.write(Data("note: the run started with --threads \(state.request.options.threads); with \(request.options.threads) its results may differ in the last bits from an uninterrupted run\n".utf8))
            }
            outcome = try TrainingSession.train(request, resuming: state, print: report, progress: progress, shouldStop: { stop.isRequested })
        } else {
            let request = try arguments.request(defaultThreads: ProcessInfo.processInfo.activeProcessorCount)
            outcome = try TrainingSession.train(request, print: report, progress: progress, shouldStop: { stop.isRequested })
        }
        bar.clear()
        if let position = outcome.stoppedAt {
            fflush(nil)
            FileHandle.standardError.write(Data((TrainingSession.interruptionMessage(position, checkpoint: outcome.stopCheckpoint) + "\n").utf8))
            Foundation.exit(stop.exitStatus)
        }
    }
}
