import Foundation

/// The data of a `convkit gaussian` command: a CSV table or an image dataset.
public enum GaussianData: Sendable {
    /// A CSV table (features are its numeric columns).
    case table(FeatureTable)
    /// An image dataset (features are its pixel bytes, 0…255, C×H×W order).
    case images(ImageDataset)

    /// The names that select an image dataset instead of a CSV file.
    public static let imageDatasetNames = ["cifar10", "mnist", "shapes"]

    /// `source` is an image dataset name (loaded with `images`) or a CSV path, read with
    /// `labelColumn` and `featureColumns` (see ``FeatureTable/read(csv:labelColumn:featureColumns:)``).
    public static func load(_ source: String, labelColumn: String?, featureColumns: [String]? = nil,
                            images: (String) throws -> ImageDataset) throws -> GaussianData {
        if imageDatasetNames.contains(source) { return .images(try images(source)) }
        return .table(try FeatureTable.read(csv: source, labelColumn: labelColumn, featureColumns: featureColumns))
    }

    /// The file or dataset name, for messages.
    public var name: String {
        switch self {
        case let .table(table): table.file
        case let .images(dataset): dataset.name
        }
    }

    /// The feature rows (image pixels are shared, not copied).
    public func rows() throws -> FeatureMatrix {
        switch self {
        case let .table(table): table.features
        case let .images(dataset): try FeatureMatrix(bytes: dataset.images, featureCount: dataset.imageSize)
        }
    }

    /// The class index of every row in `model`'s class list.
    func labels(for model: GaussianClassifier) throws -> [Int] {
        switch self {
        case let .table(table):
            return try table.labelIndices(classes: model.classes)
        case let .images(dataset):
            guard dataset.classNames == model.classes else {
                throw ConvKitError.invalidArgument(name: dataset.name, reason: "classes \(GaussianClassifier.preview(dataset.classNames)) differ from the model's \(GaussianClassifier.preview(model.classes))")
            }
            return dataset.labels.map(Int.init)
        }
    }
}

/// What `convkit gaussian fit|predict|score` do, as testable functions returning the text to print.
public enum GaussianCommands {
    /// Fits a model to labelled data. Classes: for a table, ``FeatureTable/classOrder(_:)`` of its
    /// labels; for images, the dataset's. Returns the model file to save and a summary to print.
    public static func fit(_ data: GaussianData, mode: GaussianClassifier.VarianceMode, priors: [Double]?,
                           varSmoothing: Double) throws -> (file: GaussianModelFile, summary: String) {
        var fitter: GaussianFitter
        var labelColumn: String?
        switch data {
        case let .table(table):
            guard let labels = table.labels else {
                throw ConvKitError.invalidArgument(name: "--label", reason: "fitting needs a label column")
            }
            let classes = FeatureTable.classOrder(labels)
            fitter = try GaussianFitter(mode: mode, classes: classes, featureNames: table.featureNames)
            try fitter.partialFit(table.features, labels: table.labelIndices(classes: classes))
            labelColumn = table.labelColumn
        case let .images(dataset):
            fitter = try GaussianFitter(mode: mode, classes: dataset.classNames,
                                        featureNames: GaussianClassifier.pixelFeatureNames(dataset.imageSize))
            try fitter.partialFit(dataset)
        }
        let model = try fitter.model(priors: priors, varSmoothing: varSmoothing)
        let file = GaussianModelFile(classifier: model, labelColumn: labelColumn, classCounts: fitter.counts)
        let rows = try data.rows()
        let accuracy = try model.score(rows, labels: data.labels(for: model))

        var table = TextTable(headers: ["class", "examples", "prior"], alignments: [.left, .right, .right])
        for (k, name) in model.classes.enumerated() {
            table.rows.append([name, String(fitter.counts[k]), String(format: "%.4f", model.priors[k])])
        }
        let summary = "Fitted a \(mode.rawValue) Gaussian classifier on \(data.name): \(fitter.exampleCount) examples, "
            + "\(model.featureCount) features, \(model.classCount) classes.\n\n" + table.text()
            + "\ntraining accuracy \(String(format: "%.4f", accuracy))\n"
        return (file, summary)
    }

    /// CSV of predictions, one row per input row in order: a `predicted` column (the class name),
    /// then with `probabilities` one `p_<class>` column per class, p(class | x).
    public static func predictionCSV(_ model: GaussianClassifier, _ data: GaussianData, probabilities: Bool) throws -> String {
        let rows = try data.rows()
        let logPosteriors = try model.logPosteriorMatrix(rows)
        let K = model.classCount
        var lines: [[String]] = []
        lines.reserveCapacity(rows.rowCount)
        for n in 0..<rows.rowCount {
            var line = [model.classes[GaussianClassifier.argmax(logPosteriors, row: n, columns: K)]]
            if probabilities {
                for k in 0..<K { line.append("\(Foundation.exp(logPosteriors[n * K + k]))") }
            }
            lines.append(line)
        }
        let headers = ["predicted"] + (probabilities ? model.classes.map { "p_\($0)" } : [])
        return TextTable.csv(headers: headers, rows: lines)
    }

    /// Accuracy and negative log-likelihood of labelled data, as an aligned text report or JSON:
    /// `{"data", "mode", "examples", "correct", "accuracy", "nll", "nll_per_example",
    /// "nll_terms": {"normalisation", "log_determinant", "mahalanobis", "prior"}}` (nats).
    public static func scoreReport(_ model: GaussianClassifier, _ data: GaussianData, format: OutputFormat) throws -> String {
        guard format == .table || format == .json else {
            throw ConvKitError.invalidArgument(name: "--format", reason: "'\(format.rawValue)' is not one of table, json")
        }
        let rows = try data.rows()
        let labels = try data.labels(for: model)
        let predicted = try model.predict(rows)
        let correct = zip(predicted, labels).filter { $0 == $1 }.count
        let nll = try model.negativeLogLikelihoodTerms(rows, labels: labels)
        let n = Double(max(labels.count, 1))
        if format == .json {
            let json = JSONValue.object([
                ("data", .string(data.name)),
                ("mode", .string(model.mode.rawValue)),
                ("examples", .int(labels.count)),
                ("correct", .int(correct)),
                ("accuracy", .double(Double(correct) / n)),
                ("nll", .double(nll.total)),
                ("nll_per_example", .double(nll.total / n)),
                ("nll_terms", .object([
                    ("normalisation", .double(nll.normalisation)),
                    ("log_determinant", .double(nll.logDeterminant)),
                    ("mahalanobis", .double(nll.mahalanobis)),
                    ("prior", .double(nll.prior)),
                ])),
            ])
            return json.serialized() + "\n"
        }
        func number(_ x: Double) -> String { String(format: "%.4f", x) }
        let items = [
            ("examples", String(labels.count)),
            ("accuracy", "\(number(Double(correct) / n)) (\(correct)/\(labels.count))"),
            ("NLL (nats)", number(nll.total)),
            ("NLL per example", number(nll.total / n)),
            ("  (N·D/2)·log 2π", number(nll.normalisation)),
            ("  ½ Σ_n log det Σ_y", number(nll.logDeterminant)),
            ("  ½ Σ_n Mahalanobis²", number(nll.mahalanobis)),
            ("  −Σ_n log α_y", number(nll.prior)),
        ]
        let width = items.map(\.0.count).max() ?? 0
        return "\(model.mode.rawValue) Gaussian classifier on \(data.name)\n"
            + items.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 + "\n" }.joined()
    }

    /// Parses `--priors 0.2,0.8` (checked against the classes when the model is fitted).
    public static func parsePriors(_ text: String) throws -> [Double] {
        try text.split(separator: ",").map { part in
            guard let value = Double(part.trimmingCharacters(in: .whitespaces)) else {
                throw ConvKitError.invalidArgument(name: "--priors", reason: "'\(part)' is not a number (expected e.g. 0.2,0.8)")
            }
            return value
        }
    }
}
