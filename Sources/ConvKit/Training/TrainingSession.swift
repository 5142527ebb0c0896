import Foundation

/// Everything `convkit train` is asked to do, as values (the CLI only parses flags into this).
public struct TrainingRequest: Sendable {
    /// Zoo name or spec path.
    public var model: String
    /// `cifar10`, `mnist` or `shapes`.
    public var dataset: String
    public var dataDirectory: String?
    public var batchNorm = false
    /// Dropout probability inserted after hidden fully connected layers, if any.
    public var dropout: Double?
    /// Train on the first N training images only.
    public var limit: Int?
    /// Where to write the trained network (safetensors).
    public var checkpoint: String?
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
    /// The architecture after `--batch-norm` / `--dropout` edits, for an input shape.
    public static func architecture(for request: TrainingRequest) throws -> Architecture {
        var architecture = try ModelSource.resolve(request.model)
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

    /// Trains as requested, calling `print` with each report line and `progress` with
    /// (epoch, images done, images total) after every batch. Returns the per-epoch metrics.
    @discardableResult
    public static func run(_ request: TrainingRequest, print: (String) -> Void,
                           progress: (Int, Int, Int) -> Void = { _, _, _ in }) throws -> (metrics: [EpochMetrics], trainer: Trainer) {
        try request.options.validate()
        if let limit = request.limit, limit < 1 {
            throw ConvKitError.invalidArgument(name: "--limit", reason: "must be at least 1, found \(limit)")
        }
        var train = try Datasets.load(request.dataset, split: .train, dataDirectory: request.dataDirectory)
        let test = try Datasets.load(request.dataset, split: .test, dataDirectory: request.dataDirectory)
        if let limit = request.limit { train = train.prefix(limit) }
        var options = request.options
        switch request.normalization {
        case "half": options.normalization = .half
        case "unit": options.normalization = .unit
        case "dataset": options.normalization = Normalization.datasetStatistics(of: train)
        default: throw ConvKitError.invalidArgument(name: "--normalize", reason: "'\(request.normalization)' is not one of half, dataset, unit")
        }
        let architecture = try architecture(for: request)
        guard architecture.input == train.imageShape else {
            throw ConvKitError.shapeMismatch(layer: "network input", expected: "\(architecture.input) for model '\(architecture.name)'",
                                             found: "\(train.imageShape) images in \(request.dataset)")
        }
        let network = try Network(architecture, seed: request.options.seed)
        guard network.output == [train.classNames.count] else {
            throw ConvKitError.shapeMismatch(layer: "network output", expected: "\(train.classNames.count) classes of \(request.dataset)",
                                             found: network.output.description)
        }
        let trainer = try Trainer(network: network, options: options)
        var metrics: [EpochMetrics] = []
        var lastTest: Evaluation?
        for epoch in 0..<options.epochs {
            let start = Date()
            let (loss, accuracy) = try trainer.trainEpoch(train, epoch: epoch) { done, total in progress(epoch, done, total) }
            print(epochLine(epoch: epoch, loss: loss, accuracy: accuracy))
            let evaluation = try trainer.evaluate(test)
            lastTest = evaluation
            metrics.append(EpochMetrics(epoch: epoch, trainLoss: loss, trainAccuracy: accuracy, testLoss: evaluation.loss,
                                        testAccuracy: evaluation.accuracy, seconds: Date().timeIntervalSince(start)))
            if let path = request.metrics { try MetricsReport.write(metrics, to: path) }
        }
        if let lastTest { print(finalLine(count: lastTest.count, accuracy: lastTest.accuracy)) }
        if let path = request.checkpoint {
            try Checkpoint.save(network, to: path, normalization: options.normalization, classes: train.classNames,
                                extra: ["convkit.dataset": request.dataset, "convkit.epochs": String(options.epochs)])
        }
        return (metrics, trainer)
    }
}
