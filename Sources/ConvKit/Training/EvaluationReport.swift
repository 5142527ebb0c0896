import Foundation

/// The logic of `convkit evaluate`: a checkpoint on a dataset's test split.
public enum EvaluationReport {
    /// Loads `checkpoint` (with `model` overriding its architecture metadata), evaluates it on
    /// the test split of `dataset`, and renders loss, accuracy, per-class accuracy and the
    /// confusion matrix. With `logits`, also writes the logits `[N, classes]` as a safetensors
    /// file (tensor `logits`, plus `labels` as floats) for comparisons with other tools.
    public static func make(checkpoint: String, dataset: String, dataDirectory: String?, model: String? = nil,
                            limit: Int? = nil, threads: Int = 1, logits: String? = nil, format: OutputFormat = .table) throws -> String {
        let loaded = try Checkpoint.load(checkpoint, model: model)
        var test = try Datasets.load(dataset, split: .test, dataDirectory: dataDirectory)
        if let limit {
            guard limit >= 1 else { throw ConvKitError.invalidArgument(name: "--limit", reason: "must be at least 1, found \(limit)") }
            test = test.prefix(limit)
        }
        guard loaded.network.input == test.imageShape else {
            throw ConvKitError.shapeMismatch(layer: "network input", expected: "\(loaded.network.input) (from \(checkpoint))",
                                             found: "\(test.imageShape) images in \(dataset)")
        }
        guard loaded.network.output == [test.classNames.count] else {
            throw ConvKitError.shapeMismatch(layer: "network output", expected: "\(test.classNames.count) classes of \(dataset)",
                                             found: "\(loaded.network.output) (from \(checkpoint))")
        }
        let evaluation = try Trainer.evaluate(loaded.network, test, normalization: loaded.normalization, threads: threads)
        if let logits { try writeLogits(loaded.network, test, normalization: loaded.normalization, threads: threads, to: logits) }
        let names = test.classNames
        if format == .json {
            let perClass: [JSONValue] = names.indices.map { k in
                let total = evaluation.confusion[k].reduce(0, +)
                return .object([("class", .string(names[k])), ("count", .int(total)),
                                ("accuracy", .double(total > 0 ? Double(evaluation.confusion[k][k]) / Double(total) : 0))])
            }
            return JSONValue.object([
                ("checkpoint", .string(checkpoint)), ("dataset", .string(dataset)), ("count", .int(evaluation.count)),
                ("loss", .double(evaluation.loss)), ("accuracy", .double(evaluation.accuracy)), ("per_class", .array(perClass)),
                ("confusion", .array(evaluation.confusion.map { .array($0.map { .int($0) }) })),
            ]).serialized() + "\n"
        }
        var out = "Test loss: \(String(format: "%.4f", evaluation.loss))\n"
        out += TrainingSession.finalLine(count: evaluation.count, accuracy: evaluation.accuracy) + "\n\n"
        var perClass = TextTable(headers: ["Class", "Images", "Correct", "Accuracy"], alignments: [.left, .right, .right, .right])
        for k in names.indices {
            let total = evaluation.confusion[k].reduce(0, +)
            let accuracy = total > 0 ? Double(evaluation.confusion[k][k]) / Double(total) * 100 : 0
            perClass.rows.append([names[k], total.grouped, evaluation.confusion[k][k].grouped, String(format: "%.2f%%", accuracy)])
        }
        out += perClass.text() + "\nConfusion matrix (rows: true class, columns: predicted class)\n"
        var confusion = TextTable(headers: [""] + names.indices.map(String.init), alignments: [.left] + names.map { _ in .right })
        for k in names.indices { confusion.rows.append(["\(k) \(names[k])"] + evaluation.confusion[k].map(String.init)) }
        return out + confusion.text()
    }

    private static func writeLogits(_ network: Network, _ dataset: ImageDataset, normalization: Normalization, threads: Int, to path: String) throws {
        let loader = try BatchLoader(dataset: dataset, batchSize: 500, normalization: normalization, augmentation: .none, shuffle: false)
        var images = Tensor(shape: [0]), labels: [Int] = []
        var random = RandomGenerator(seed: 0)
        var all: [Float] = []
        for index in 0..<loader.batchCount {
            try loader.batch(index, into: &images, labels: &labels, random: &random)
            var context = RunContext(training: false, threads: threads)
            all += try network.forward(images, &context).storage
        }
        let classes = network.output.dimensions.last ?? 0
        try SafeTensors(entries: [SafeTensors.Entry(name: "logits", shape: [dataset.count, classes], values: all),
                                  SafeTensors.Entry(name: "labels", shape: [dataset.count], values: dataset.labels.map(Float.init))]).write(to: path)
    }
}
