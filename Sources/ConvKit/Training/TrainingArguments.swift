import Foundation

/// The flags of `convkit train` as given (nil = not given), turned into a ``TrainingRequest`` for a
/// new run, or merged with the request stored in a resumable checkpoint for `--resume`.
///
/// A resumed run keeps every setting that shapes its results (model, data, batch size, optimizer,
/// learning rate and schedule, seed, normalization, augmentation, limit): giving one of those
/// flags with `--resume` is an error. It may change `--epochs` (to train longer), `--checkpoint`
/// (default: the file resumed from), `--checkpoint-every`, `--metrics`, `--data-dir` (the data may
/// have moved; its size is checked) and `--threads` (results are bit-identical only for the same
/// thread count).
public struct TrainingArguments: Sendable {
    /// MODEL: a zoo name or spec path.
    public var model: String?
    /// `--dataset` (default `shapes`).
    public var dataset: String?
    /// `--data-dir`.
    public var dataDirectory: String?
    /// `--epochs`: the total number of epochs (default 20).
    public var epochs: Int?
    /// `--batch-size`, images per batch (default 4).
    public var batchSize: Int?
    /// `--lr` (default 0.001).
    public var learningRate: Double?
    /// `--momentum` of SGD, in [0, 1) (default 0.9).
    public var momentum: Double?
    /// `--nesterov`.
    public var nesterov = false
    /// `--weight-decay`, the L2 factor λ (default 0).
    public var weightDecay: Double?
    /// `--optimizer`: `sgd` or `adam` (default `sgd`).
    public var optimizer: String?
    /// `--schedule`: `constant`, `cosine` or `step:EVERY:FACTOR` (default `constant`).
    public var schedule: String?
    /// `--normalize`: `half`, `dataset` or `unit` (default `half`).
    public var normalize: String?
    /// `--input C,H,W`.
    public var input: String?
    /// `--classes N`.
    public var classes: Int?
    /// `--batch-norm`.
    public var batchNorm = false
    /// `--dropout P`.
    public var dropout: Double?
    /// `--augment`.
    public var augment = false
    /// `--seed` (default 0).
    public var seed: UInt64?
    /// `--threads` (default: the active processor count).
    public var threads: Int?
    /// `--limit`: train on the first N images.
    public var limit: Int?
    /// `--checkpoint PATH`.
    public var checkpoint: String?
    /// `--checkpoint-every N` epochs.
    public var checkpointEvery: Int?
    /// `--metrics PATH` (CSV).
    public var metrics: String?

    /// No flags given.
    public init() {}

    /// The request for a new run; `defaultThreads` when `--threads` is absent.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` for a missing model or an invalid value.
    public func request(defaultThreads: Int) throws -> TrainingRequest {
        guard let model else {
            throw ConvKitError.invalidArgument(name: "MODEL", reason: "name a zoo model or spec file to train, or continue a run with --resume CHECKPOINT")
        }
        var request = TrainingRequest(model: model, dataset: dataset ?? "shapes")
        request.dataDirectory = dataDirectory
        if let input {
            do {
                request.input = try Shape(parsing: input)
            } catch {
                throw ConvKitError.invalidArgument(name: "--input", reason: "'\(input)' is not C,H,W (positive integers)")
            }
        }
        if let classes, classes < 1 {
            throw ConvKitError.invalidArgument(name: "--classes", reason: "must be at least 1, found \(classes)")
        }
        request.classes = classes
        request.batchNorm = batchNorm
        request.dropout = dropout
        request.limit = limit
        request.checkpoint = checkpoint
        request.checkpointEvery = checkpointEvery
        request.metrics = metrics
        request.normalization = normalize ?? "half"
        var options = TrainingOptions()
        options.epochs = epochs ?? options.epochs
        options.batchSize = batchSize ?? options.batchSize
        options.learningRate = learningRate ?? options.learningRate
        options.momentum = momentum ?? options.momentum
        options.nesterov = nesterov
        options.weightDecay = weightDecay ?? options.weightDecay
        let optimizerName = optimizer ?? options.optimizer.rawValue
        guard let kind = TrainingOptions.OptimizerKind(rawValue: optimizerName) else {
            throw ConvKitError.invalidArgument(name: "--optimizer", reason: "'\(optimizerName)' is not one of sgd, adam")
        }
        options.optimizer = kind
        options.schedule = try LearningRateSchedule(parsing: schedule ?? "constant", epochs: options.epochs)
        options.seed = seed ?? options.seed
        options.threads = threads ?? defaultThreads
        options.augmentation = augment ? .standard : .none
        request.options = options
        return request
    }

    /// The request to continue `saved` (the request in the checkpoint at `path`) with the flags
    /// `--resume` allows.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` naming the first flag that would
    ///   change the run's results.
    public func resumedRequest(_ saved: TrainingRequest, from path: String) throws -> TrainingRequest {
        try requireResumable(from: path)
        var request = saved
        request.checkpoint = checkpoint ?? path
        if let checkpointEvery { request.checkpointEvery = checkpointEvery }
        if let metrics { request.metrics = metrics }
        if let dataDirectory { request.dataDirectory = dataDirectory }
        if let threads { request.options.threads = threads }
        if let epochs {
            request.options.epochs = epochs
            if case .cosine = request.options.schedule { request.options.schedule = .cosine(epochs: epochs, minimum: 0) }
        }
        return request
    }

    /// Throws ``ConvKitError/invalidArgument(name:reason:)`` naming the first flag given that would
    /// change the results of the run resumed from `path`.
    public func requireResumable(from path: String) throws {
        let fixed: [(String, Bool)] = [
            ("MODEL", model != nil), ("--dataset", dataset != nil), ("--batch-size", batchSize != nil), ("--lr", learningRate != nil),
            ("--momentum", momentum != nil), ("--nesterov", nesterov), ("--weight-decay", weightDecay != nil),
            ("--optimizer", optimizer != nil), ("--schedule", schedule != nil), ("--normalize", normalize != nil),
            ("--input", input != nil), ("--classes", classes != nil), ("--batch-norm", batchNorm), ("--dropout", dropout != nil), ("--augment", augment), ("--seed", seed != nil), ("--limit", limit != nil),
        ]
        if let (flag, _) = fixed.first(where: \.1) {
            throw ConvKitError.invalidArgument(name: flag, reason: "cannot be changed when resuming: the run continues with the settings stored in \(path) (only --epochs, --checkpoint, --checkpoint-every, --metrics, --data-dir and --threads may be given)")
        }
    }
}
