import Foundation

/// Everything `convkit train` is asked to do, as values (the CLI only parses flags into this).
public struct TrainingRequest: Sendable {
    /// Zoo name or spec path.
    public var model: String
    /// `cifar10`, `mnist` or `shapes`.
    public var dataset: String
    public var dataDirectory: String?
    /// The input shape to run the model at (`--input`), nil for the model's own.
    public var input: Shape?
    /// The output count of the model's last convolution or linear layer (`--classes`), nil to keep it.
    public var classes: Int?
    public var batchNorm = false
    /// Dropout probability inserted after hidden fully connected layers, if any.
    public var dropout: Double?
    /// Train on the first N training images only.
    public var limit: Int?
    /// Where to write the trained network (safetensors).
    public var checkpoint: String?
    /// Write a resumable checkpoint (weights plus training state, see ``ResumableCheckpoint``) to
    /// ``checkpoint`` after every N-th epoch and after the last; nil: only the final weights.
    public var checkpointEvery: Int?
    /// Where to write the metrics CSV (and the SVG next to it).
    public var metrics: String?
    /// `half` ((x/255 − 0.5)/0.5, the PyTorch tutorial's), `dataset` (per-channel mean/std of the
    /// training images) or `unit` (x/255). Replaces `options.normalization` when the run starts.
    public var normalization = "half"
    public var options = TrainingOptions()

    public init(model: String, dataset: String) {
        self.model = model
        self.dataset = dataset
    }
}

/// Runs a training request end to end: data, network, epochs, report lines, files.
public enum TrainingSession {
    /// The architecture after `--input`, `--classes`, `--batch-norm` and `--dropout` edits.
    public static func architecture(for request: TrainingRequest) throws -> Architecture {
        var architecture = try ModelSource.resolve(request.model)
        if let input = request.input { architecture.input = input }
        if let classes = request.classes { architecture = try ArchitectureOptions.replacingClasses(architecture, classes: classes) }
        if request.batchNorm { architecture = ArchitectureOptions.insertingBatchNorm(architecture) }
        if let p = request.dropout { architecture = try ArchitectureOptions.insertingDropout(architecture, probability: p) }
        return architecture
    }

    /// The line printed after each epoch, e.g. `Epoch 0 training loss: 2.077 training accuracy: 22.906%`.
    public static func epochLine(epoch: Int, loss: Double, accuracy: Double) -> String {
        "Epoch \(epoch) training loss: \(String(format: "%.3f", loss)) training accuracy: \(String(format: "%.3f", accuracy * 100))%"
    }

    /// The final line, e.g. `Accuracy of the network on the 10000 test set: 65.09%`.
    public static func finalLine(count: Int, accuracy: Double) -> String {
        "Accuracy of the network on the \(count) test set: \(String(format: "%.2f", accuracy * 100))%"
    }

    /// The message after a stop, e.g. `Interrupted at epoch 1 step 7; checkpoint written to
    /// ck.safetensors. Resume with: convkit train --resume ck.safetensors` (epoch 0-based as in the
    /// epoch lines, step = batches of that epoch done).
    public static func interruptionMessage(_ position: TrainingPosition, checkpoint: String?) -> String {
        let at = "Interrupted at epoch \(position.epoch) step \(position.step)"
        guard let checkpoint else {
            return at + "; no checkpoint was written (give --checkpoint PATH to make a run resumable)."
        }
        return at + "; checkpoint written to \(checkpoint). Resume with: convkit train --resume \(checkpoint)"
    }

    /// The line printed when a run resumes, e.g. `Resuming ck.safetensors at epoch 1 step 7 (of 3 epochs)`.
    public static func resumeLine(path: String, position: TrainingPosition, epochs: Int) -> String {
        "Resuming \(path) at epoch \(position.epoch) step \(position.step) (of \(epochs) epochs)"
    }

    /// Trains as requested, calling `print` with each report line and `progress` with
    /// (epoch, images done, images total) after every batch. Returns the per-epoch metrics.
    @discardableResult
    public static func run(_ request: TrainingRequest, print: (String) -> Void,
                           progress: (Int, Int, Int) -> Void = { _, _, _ in }) throws -> (metrics: [EpochMetrics], trainer: Trainer) {
        let outcome = try train(request, print: print, progress: progress)
        return (outcome.metrics, outcome.trainer)
    }

    /// Trains as requested — from scratch, or continuing `state` (read from a resumable
    /// checkpoint; `request` is then its request with the overrides `--resume` allows) — and
    /// stops before the next batch once `shouldStop()` is true.
    ///
    /// Checkpoints (all atomic): with ``TrainingRequest/checkpointEvery`` N, a resumable checkpoint
    /// after every N-th epoch and after the last; without it, the final weights only (as PyTorch
    /// loads them), unless the run was resumed. On a stop, a resumable checkpoint of the exact
    /// position (mid-epoch) when ``TrainingRequest/checkpoint`` is set. A NaN or infinite loss
    /// or parameter stops the run with an error; the last checkpoint written is kept, and a note
    /// printed before the error says where it is.
    /// - Throws: ``ConvKitError/resourceLimit(what:needed:available:)`` before loading data when the
    ///   model does not fit in memory at this batch size; errors of the data, the network and the
    ///   checkpoint files; ``ConvKitError/nonFiniteLoss(epoch:step:learningRate:)`` and
    ///   ``ConvKitError/nonFiniteParameter(epoch:parameter:learningRate:)``.
    public static func train(_ request: TrainingRequest, resuming state: ResumableCheckpoint.State? = nil,
                             print: (String) -> Void, progress: (Int, Int, Int) -> Void = { _, _, _ in },
                             shouldStop: () -> Bool = { false }) throws -> TrainingOutcome {
        try request.options.validate()
        if let limit = request.limit, limit < 1 {
            throw ConvKitError.invalidArgument(name: "--limit", reason: "must be at least 1, found \(limit)")
        }
        if let every = request.checkpointEvery {
            guard every >= 1 else { throw ConvKitError.invalidArgument(name: "--checkpoint-every", reason: "must be at least 1, found \(every)") }
            guard request.checkpoint != nil else {
                throw ConvKitError.invalidArgument(name: "--checkpoint-every", reason: "needs --checkpoint PATH, the file to write the resumable checkpoint to")
            }
        }
        if let position = state?.position, position.epoch >= request.options.epochs {
            let partial = position.step > 0 ? " and \(position.step) batches of epoch \(position.epoch)" : ""
            throw ConvKitError.invalidArgument(name: "--epochs", reason: "the checkpoint has trained \(position.epoch) complete epochs\(partial); pass --epochs greater than \(position.epoch) to continue")
        }
        // Count before loading data or allocating anything.
        let architecture = try state?.network.architecture ?? architecture(for: request)
        let summary = try Summary(architecture, input: state?.network.input)
        try MemoryBudget.requireTrainingFits(summary, batch: request.options.batchSize, optimizer: request.options.optimizer)
        // A checkpoint stores the architecture as a spec: make sure it has one before any training is spent.
        if request.checkpoint != nil { _ = try SpecEmitter.emit(architecture) }

        var train = try Datasets.load(request.dataset, split: .train, dataDirectory: request.dataDirectory)
        let test = try Datasets.load(request.dataset, split: .test, dataDirectory: request.dataDirectory)
        if let limit = request.limit { train = train.prefix(limit) }
        var options = request.options
        if let state {
            guard train.count == state.trainImages else {
                throw ConvKitError.invalidArgument(name: "--resume", reason: "the checkpoint's run trains on \(state.trainImages) images of \(request.dataset), the data holds \(train.count) (another --data-dir or dataset version?)")
            }
            options.normalization = state.normalization
        } else {
            switch request.normalization {
            case "half": options.normalization = .half
            case "unit": options.normalization = .unit
            case "dataset": options.normalization = Normalization.datasetStatistics(of: train)
            default: throw ConvKitError.invalidArgument(name: "--normalize", reason: "'\(request.normalization)' is not one of half, dataset, unit")
            }
        }
        guard summary.input == train.imageShape else {
            throw ConvKitError.shapeMismatch(layer: "network input", expected: "\(summary.input) for model '\(architecture.name)'",
                                             found: "\(train.imageShape) images in \(request.dataset)")
        }
        let network = try state?.network ?? Network(architecture, seed: request.options.seed)
        guard network.output == [train.classNames.count] else {
            throw ConvKitError.shapeMismatch(layer: "network output", expected: "\(train.classNames.count) classes of \(request.dataset)",
                                             found: network.output.description)
        }
        let optimizer = options.makeOptimizer()
        if let state { optimizer.state = state.optimizerState }
        let trainer = try Trainer(network: network, options: options, optimizer: optimizer)
        var metrics = state?.metrics ?? []
        var position = state?.position
        var lastTest: Evaluation?
        var lastSaved: (path: String, epochs: Int)?

        func saveResumable(_ at: TrainingPosition) throws -> String? {
            guard let path = request.checkpoint else { return nil }
            try ResumableCheckpoint.save(to: path, network: network, optimizer: optimizer, request: request, position: at, metrics: metrics,
                                         normalization: options.normalization, classes: train.classNames, trainImages: train.count)
            return path
        }

        do {
            for epoch in (position?.epoch ?? 0)..<options.epochs {
                let start = Date()
                let outcome = try trainer.trainEpoch(train, epoch: epoch, resumingFrom: position, shouldStop: shouldStop) { done, total in
                    progress(epoch, done, total)
                }
                let trainSeconds = Date().timeIntervalSince(start)
                position = nil
                let (loss, accuracy): (Double, Double)
                switch outcome {
                case let .finished(epochLoss, epochAccuracy):
                    (loss, accuracy) = (epochLoss, epochAccuracy)
                case let .stopped(at):
                    try requireFiniteParameters(network, epoch: epoch, learningRate: optimizer.learningRate)
                    return TrainingOutcome(metrics: metrics, trainer: trainer, stoppedAt: at, stopCheckpoint: try saveResumable(at))
                }
                print(epochLine(epoch: epoch, loss: loss, accuracy: accuracy))
                try requireFiniteParameters(network, epoch: epoch, learningRate: optimizer.learningRate)
                let evaluation = try trainer.evaluate(test)
                lastTest = evaluation
                metrics.append(EpochMetrics(epoch: epoch, trainLoss: loss, trainAccuracy: accuracy, testLoss: evaluation.loss,
                                            testAccuracy: evaluation.accuracy, seconds: Date().timeIntervalSince(start),
                                            trainSeconds: trainSeconds))
                if let path = request.metrics { try MetricsReport.write(metrics, to: path) }
                let last = epoch + 1 == options.epochs
                if let every = request.checkpointEvery, (epoch + 1) % every == 0 || last,
                   let path = try saveResumable(.boundary(epoch: epoch + 1, random: trainer.random)) {
                    lastSaved = (path, epoch + 1)
                }
            }
        } catch let error as ConvKitError {
            switch error {
            case .nonFiniteLoss, .nonFiniteParameter:
                if let lastSaved {
                    print("The last good checkpoint, written after epoch \(lastSaved.epochs - 1), is kept at \(lastSaved.path).")
                } else if state != nil {
                    print("No checkpoint was written since resuming; the one this run resumed from is unchanged.")
                } else if let path = request.checkpoint {
                    print("No checkpoint was written by this run (with --checkpoint-every, the first is written when an epoch completes); a file already at \(path) is unchanged.")
                }
            default: break
            }
            throw error
        }
        if let lastTest { print(finalLine(count: lastTest.count, accuracy: lastTest.accuracy)) }
        if let path = request.checkpoint, request.checkpointEvery == nil {
            if state != nil {
                _ = try saveResumable(.boundary(epoch: options.epochs, random: trainer.random))
            } else {
                try Checkpoint.save(network, to: path, normalization: options.normalization, classes: train.classNames,
                                    extra: ["convkit.dataset": request.dataset, "convkit.epochs": String(options.epochs)])
            }
        }
        return TrainingOutcome(metrics: metrics, trainer: trainer, stoppedAt: nil, stopCheckpoint: nil)
    }

    /// Throws ``ConvKitError/nonFiniteParameter(epoch:parameter:learningRate:)`` for the first
    /// parameter or buffer holding a NaN or infinity, so no checkpoint ever stores one.
    static func requireFiniteParameters(_ network: Network, epoch: Int, learningRate: Double) throws {
        for parameter in network.parameters where !parameter.value.storage.allSatisfy(\.isFinite) {
            throw ConvKitError.nonFiniteParameter(epoch: epoch, parameter: parameter.name, learningRate: learningRate)
        }
    }
}

/// How ``TrainingSession/train(_:resuming:print:progress:shouldStop:)`` ended.
public struct TrainingOutcome {
    /// Metrics of every completed epoch (those before a resume included).
    public var metrics: [EpochMetrics]
    /// The trainer, with the trained network.
    public var trainer: Trainer
    /// Where the run stopped when a stop was requested; nil when it trained every epoch.
    public var stoppedAt: TrainingPosition?
    /// The resumable checkpoint written at the stop; nil without a checkpoint path.
    public var stopCheckpoint: String?
}
