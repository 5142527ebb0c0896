import ArgumentParser
import ConvKit

/// `convkit gaussian fit|predict|score`: the generative baseline (Gaussian class-conditional
/// classifier). The logic is in `GaussianCommands` (library); this file parses flags and prints.
struct GaussianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaussian",
        abstract: "Gaussian class-conditional classifier (maximum likelihood): fit, predict, score.",
        discussion: "DATA is a CSV file with a header (numeric feature columns and a label column) or an image dataset: cifar10, mnist, shapes (pixel bytes as features).",
        subcommands: [Fit.self, Predict.self, Score.self]
    )
}

/// Which part of an image dataset to read.
enum ImageSplit: String, ExpressibleByArgument, CaseIterable {
    case train, test
}

/// Flags for image datasets (`cifar10`, `mnist`, `shapes`); rejected for CSV files.
struct ImageDataOptions: ParsableArguments {
    @Option(help: "Folder holding the image datasets (as in training).")
    var dataDir: String?

    @Option(help: "Image dataset split: train or test (default: train for fit, test for predict and score).")
    var split: ImageSplit?

    /// Loads `source` (an image dataset name or a CSV path).
    func load(_ source: String, defaultSplit: ImageSplit, labelColumn: String?, featureColumns: [String]? = nil) throws -> GaussianData {
        if !GaussianData.imageDatasetNames.contains(source), dataDir != nil || split != nil {
            throw ConvKitError.invalidArgument(name: dataDir != nil ? "--data-dir" : "--split", reason: "only applies to the image datasets (\(GaussianData.imageDatasetNames.joined(separator: ", "))), not to the CSV file \(source)")
        }
        return try GaussianData.load(source, labelColumn: labelColumn, featureColumns: featureColumns) { name in
            try loadImageDataset(name: name, split: split ?? defaultSplit, dataDirectory: dataDir)
        }
    }
}

/// Loads an image dataset for the Gaussian classifier (pixels 0…255 are the features), from
/// `--data-dir` or the cache folder, downloading CIFAR-10 there when it is missing, as `train` does.
func loadImageDataset(name: String, split: ImageSplit, dataDirectory: String?) throws -> ImageDataset {
    try Datasets.load(name, split: split == .train ? .train : .test, dataDirectory: dataDirectory)
}

extension GaussianCommand {
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fit priors, class means and variances by maximum likelihood and save the model as JSON.")

        @Argument(help: "CSV file with a header, or cifar10, mnist, shapes.")
        var data: String

        @Option(help: "The CSV column holding the class labels (required for CSV data).")
        var label: String?

        @Option(help: "Covariance: shared (diagonal, one for all classes), per-class (Gaussian naive Bayes) or full-shared (LDA).")
        var variance: String = "shared"

        @Option(help: "ε: ε · (largest feature variance) is added to every variance.")
        var varSmoothing: Double = 1e-9

        @Option(help: "Class priors in class order, e.g. 0.2,0.8 (default: the class frequencies).")
        var priors: String?

        @Option(help: "Where to write the model JSON.")
        var out: String

        @OptionGroup var images: ImageDataOptions

        func run() throws {
            let mode = try GaussianClassifier.VarianceMode(parsing: variance)
            let priorValues = try priors.map(GaussianCommands.parsePriors)
            if !GaussianData.imageDatasetNames.contains(data), label == nil {
                throw ConvKitError.invalidArgument(name: "--label", reason: "fitting on a CSV file needs --label COLUMN, the column of class labels")
            }
            let source = try images.load(data, defaultSplit: .train, labelColumn: label)
            let result = try GaussianCommands.fit(source, mode: mode, priors: priorValues, varSmoothing: varSmoothing)
            try result.file.save(to: out)
            print(result.summary + "wrote \(out)")
        }
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Predict the class of every row (CSV: predicted, then p_<class> columns with --proba).")

        @Argument(help: "Model JSON written by 'convkit gaussian fit'.")
        var model: String

        @Argument(help: "CSV file with the model's feature columns, or cifar10, mnist, shapes.")
        var data: String

        @Flag(help: "Add one column p_<class> per class with the posterior probability.")
        var proba = false

        @Option(help: "Write the CSV here (atomically) instead of to standard output.")
        var out: String?

        @OptionGroup var images: ImageDataOptions

        func run() throws {
            let file = try GaussianModelFile.load(model)
            let source = try images.load(data, defaultSplit: .test, labelColumn: nil, featureColumns: file.classifier.featureNames)
            let csv = try GaussianCommands.predictionCSV(file.classifier, source, probabilities: proba)
            if let out {
                try AtomicFile.write(csv, to: out)
            } else {
                print(csv, terminator: "")
            }
        }
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accuracy and negative log-likelihood of labelled data.")

        @Argument(help: "Model JSON written by 'convkit gaussian fit'.")
        var model: String

        @Argument(help: "CSV file with the model's feature columns and a label column, or cifar10, mnist, shapes.")
        var data: String

        @Option(help: "The CSV label column (default: the one the model was fitted with).")
        var label: String?

        @Option(help: "Output format: table or json.")
        var format: String = "table"

        @OptionGroup var images: ImageDataOptions

        func run() throws {
            let outputFormat = try OutputFormat(parsing: format)
            let file = try GaussianModelFile.load(model)
            let labelColumn = label ?? file.labelColumn
            if !GaussianData.imageDatasetNames.contains(data), labelColumn == nil {
                throw ConvKitError.invalidArgument(name: "--label", reason: "scoring a CSV file needs --label COLUMN (the model does not name one)")
            }
            let source = try images.load(data, defaultSplit: .test, labelColumn: labelColumn, featureColumns: file.classifier.featureNames)
            print(try GaussianCommands.scoreReport(file.classifier, source, format: outputFormat), terminator: "")
        }
    }
}
