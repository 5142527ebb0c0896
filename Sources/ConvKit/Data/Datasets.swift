import Foundation

/// Which part of a dataset to load.
public enum DatasetSplit: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The training images (CIFAR-10: 50,000; MNIST: 60,000; shapes: 10,000).
    case train
    /// The held-out images (CIFAR-10: 10,000; MNIST: 10,000; shapes: 2,000).
    case test

    /// `train` or `test`.
    public var description: String { rawValue }
}

/// Loading datasets by name: `cifar10`, `mnist`, `shapes`.
///
/// Data folder: `dataDirectory` when given, else `$CONVKIT_DATA` when set, else
/// `~/.cache/convkit`. CIFAR-10 is read from `cifar-10-batches-bin/` inside it (or from the folder
/// itself when it directly holds the batch files) and downloaded there when missing (see
/// ``load(_:split:dataDirectory:download:)``). MNIST is read from `mnist/` inside it (or the folder
/// itself) and never downloaded. `shapes` is generated: train = 10,000 images from seed 1,
/// test = 2,000 images from seed 2 (see ``SyntheticShapes``).
public enum Datasets {
    /// The dataset names ``load(_:split:dataDirectory:download:)`` accepts.
    public static let names = ["cifar10", "mnist", "shapes"]
    /// Environment variable naming the default data folder.
    public static let dataDirectoryEnvironmentKey = "CONVKIT_DATA"
    /// Sizes and seeds of the `shapes` splits.
    public static let shapesTrain = (count: 10_000, seed: UInt64(1)), shapesTest = (count: 2_000, seed: UInt64(2))

    /// Loads a split of a named dataset.
    /// - Parameters:
    ///   - name: `cifar10`, `mnist` or `shapes` (case-insensitive).
    ///   - dataDirectory: the data folder; nil means `$CONVKIT_DATA`, else `~/.cache/convkit`.
    ///   - download: when CIFAR-10 is missing from the default folder (not from an explicit
    ///     `dataDirectory`), download the binary archive (from
    ///     `$CONVKIT_CIFAR10_URL` when set, else the authors' site), verify its MD5
    ///     (`c32a1d4ab5d03f1284b67883e8d87530`) and extract it into the data folder.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` for an unknown name (listing the
    ///   valid ones); ``ConvKitError/fileError(file:reason:)`` for missing or invalid files and
    ///   failed downloads.
    public static func load(_ name: String, split: DatasetSplit, dataDirectory: String?, download: Bool = true) throws -> ImageDataset {
        let environment = ProcessInfo.processInfo.environment
        let root = dataDirectory ?? defaultDataDirectory(environment: environment)
        switch name.lowercased() {
        case "cifar10":
            // An explicit folder is never filled by a download: a typo gets a clear error instead.
            return try loadCIFAR10(root: root, split: split, download: download && dataDirectory == nil,
                                   url: try CIFAR10Download.url(environment: environment), expectedMD5: CIFAR10Download.md5)
        case "mnist":
            let folder = MNIST.isPresent(in: root) ? root : (root as NSString).appendingPathComponent("mnist")
            return try MNIST.load(directory: folder, split: split)
        case "shapes":
            let (count, seed) = split == .train ? shapesTrain : shapesTest
            var dataset = try SyntheticShapes.make(count: count, seed: seed)
            dataset.name = "shapes \(split)"
            return dataset
        default:
            throw ConvKitError.invalidArgument(name: "dataset", reason: "unknown dataset '\(name)'; valid names: \(names.joined(separator: ", "))")
        }
    }

    /// `$CONVKIT_DATA` when set and non-empty, else `$HOME/.cache/convkit`.
    public static func defaultDataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let folder = environment[dataDirectoryEnvironmentKey], !folder.isEmpty { return folder }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".cache/convkit")
    }

    /// CIFAR-10 from `root` (the batch folder itself, or `root/cifar-10-batches-bin`), downloading
    /// it from `url` when missing and `download` is true.
    static func loadCIFAR10(root: String, split: DatasetSplit, download: Bool, url: URL, expectedMD5: String) throws -> ImageDataset {
        if CIFAR10.isPresent(in: root) { return try CIFAR10.load(directory: root, split: split) }
        let folder = (root as NSString).appendingPathComponent(CIFAR10.folderName)
        if !CIFAR10.isPresent(in: folder) {
            guard download else {
                throw ConvKitError.fileError(file: folder, reason: "CIFAR-10 not found: expected data_batch_1.bin … data_batch_5.bin and test_batch.bin (the binary version) there or in \(root); extract cifar-10-binary.tar.gz into \(root), or omit --data-dir to download it into the cache folder")
            }
            try CIFAR10Download.install(into: root, from: url, expectedMD5: expectedMD5)
        }
        return try CIFAR10.load(directory: folder, split: split)
    }
}
