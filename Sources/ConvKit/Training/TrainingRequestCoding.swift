import Foundation

/// A ``TrainingRequest`` as the JSON object stored in resumable checkpoints (metadata key
/// `convkit.resume.request`), so `convkit train --resume` can continue with exactly the settings
/// the run started with:
///
///     {"model", "dataset", "data_dir", "batch_norm", "dropout", "limit", "normalize", "metrics",
///      "checkpoint_every", "epochs", "batch_size", "lr", "momentum", "nesterov", "weight_decay",
///      "optimizer", "schedule", "seed", "threads", "augment", "input", "classes"}
///
/// Numbers are written in their shortest exact form (they read back bit for bit); the seed, a
/// UInt64, as a decimal string; the schedule as `constant`, `cosine` or `step:EVERY:FACTOR`.
/// Absent optional values are `null`. Keys are snake_case and only ever added to; keys added later
/// (`input` "C,H,W", `classes`) may be missing from older files and then read as `null`.
enum TrainingRequestCoding {
    static func json(_ request: TrainingRequest) -> JSONValue {
        let o = request.options
        func optional<T>(_ value: T?, _ wrap: (T) -> JSONValue) -> JSONValue { value.map(wrap) ?? .null }
        return .object([
            ("model", .string(request.model)), ("dataset", .string(request.dataset)),
            ("data_dir", optional(request.dataDirectory, JSONValue.string)), ("batch_norm", .bool(request.batchNorm)),
            ("dropout", optional(request.dropout, JSONValue.double)), ("limit", optional(request.limit, JSONValue.int)),
            ("normalize", .string(request.normalization)), ("metrics", optional(request.metrics, JSONValue.string)),
            ("checkpoint_every", optional(request.checkpointEvery, JSONValue.int)),
            ("epochs", .int(o.epochs)), ("batch_size", .int(o.batchSize)), ("lr", .double(o.learningRate)),
            ("momentum", .double(o.momentum)), ("nesterov", .bool(o.nesterov)), ("weight_decay", .double(o.weightDecay)),
            ("optimizer", .string(o.optimizer.rawValue)), ("schedule", .string(o.schedule.text)), ("seed", .string(String(o.seed))),
            ("threads", .int(o.threads)), ("augment", .bool(!o.augmentation.isEmpty)),
            ("input", optional(request.input, { .string($0.dimensions.map(String.init).joined(separator: ",")) })),
            ("classes", optional(request.classes, JSONValue.int)),
        ])
    }

    /// Decodes ``json(_:)``'s object; every key must be present with the right type.
    /// - Throws: ``ConvKitError/corruptFile(file:reason:)`` naming `file` and the key.
    static func request(from value: JSONValue, file: String) throws -> TrainingRequest {
        guard case let .object(entries) = value else { throw corrupt(file, "the training request is not a JSON object") }
        var fields: [String: JSONValue] = [:]
        for (key, value) in entries { fields[key] = value }
        func field(_ key: String) throws -> JSONValue {
            guard let value = fields[key] else { throw corrupt(file, "the training request has no '\(key)'") }
            return value
        }
        func string(_ key: String) throws -> String {
            guard case let .string(text) = try field(key) else { throw corrupt(file, "training request '\(key)' must be a string") }
            return text
        }
        func optionalString(_ key: String) throws -> String? {
            if case .null = try field(key) { return nil }
            return try string(key)
        }
        func int(_ key: String) throws -> Int {
            guard case let .int(number) = try field(key) else { throw corrupt(file, "training request '\(key)' must be an integer") }
            return number
        }
        func optionalInt(_ key: String) throws -> Int? {
            if case .null = try field(key) { return nil }
            return try int(key)
        }
        func double(_ key: String) throws -> Double {
            switch try field(key) {
            case let .double(number): return number
            case let .int(number): return Double(number)
            default: throw corrupt(file, "training request '\(key)' must be a number")
            }
        }
        func bool(_ key: String) throws -> Bool {
            guard case let .bool(flag) = try field(key) else { throw corrupt(file, "training request '\(key)' must be true or false") }
            return flag
        }
        var request = TrainingRequest(model: try string("model"), dataset: try string("dataset"))
        request.dataDirectory = try optionalString("data_dir")
        request.batchNorm = try bool("batch_norm")
        if case .null = try field("dropout") { request.dropout = nil } else { request.dropout = try double("dropout") }
        request.limit = try optionalInt("limit")
        request.normalization = try string("normalize")
        request.metrics = try optionalString("metrics")
        request.checkpointEvery = try optionalInt("checkpoint_every")
        if fields["input"] != nil, let text = try optionalString("input") {
            guard let shape = try? Shape(parsing: text) else { throw corrupt(file, "training request 'input' must be C,H,W") }
            request.input = shape
        }
        if fields["classes"] != nil { request.classes = try optionalInt("classes") }
        var options = TrainingOptions()
        options.epochs = try int("epochs")
        options.batchSize = try int("batch_size")
        options.learningRate = try double("lr")
        options.momentum = try double("momentum")
        options.nesterov = try bool("nesterov")
        options.weightDecay = try double("weight_decay")
        guard let optimizer = TrainingOptions.OptimizerKind(rawValue: try string("optimizer")) else {
            throw corrupt(file, "training request 'optimizer' must be sgd or adam")
        }
        options.optimizer = optimizer
        do {
            options.schedule = try LearningRateSchedule(parsing: try string("schedule"), epochs: options.epochs)
        } catch let error as ConvKitError {
            throw corrupt(file, "training request 'schedule': \(error)")
        }
        guard let seed = UInt64(try string("seed")) else { throw corrupt(file, "training request 'seed' must be a decimal UInt64") }
        options.seed = seed
        options.threads = try int("threads")
        options.augmentation = try bool("augment") ? .standard : .none
        request.options = options
        return request
    }

    static func corrupt(_ file: String, _ reason: String) -> ConvKitError { .corruptFile(file: file, reason: reason) }
}

extension LearningRateSchedule {
    /// The `--schedule` text that parses back to this schedule (`cosine` takes the run's epochs).
    public var text: String {
        switch self {
        case .constant: return "constant"
        case let .step(every, factor): return "step:\(every):\(factor)"
        case .cosine: return "cosine"
        }
    }
}

extension MetricsReport {
    /// The metrics of a CSV written by ``csv(_:)`` (values rounded as written there), or by the
    /// version before `train_seconds` (six columns; those epochs have no training time of their own).
    /// - Throws: ``ConvKitError/corruptFile(file:reason:)`` naming `file` and the line.
    public static func parse(csv text: String, file: String) throws -> [EpochMetrics] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let columns: Int
        switch lines.first {
        case header: columns = 7
        case headerBeforeTrainSeconds: columns = 6
        default: throw ConvKitError.corruptFile(file: file, reason: "the metrics do not start with the header \(header)")
        }
        lines.removeFirst()
        return try lines.enumerated().map { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == columns, let epoch = Int(fields[0]) else {
                throw ConvKitError.corruptFile(file: file, reason: "metrics line \(index + 2) is not \(columns) comma-separated values")
            }
            let numbers = fields[1..<6].compactMap(Double.init)
            guard numbers.count == 5 else {
                throw ConvKitError.corruptFile(file: file, reason: "metrics line \(index + 2) has a value that is not a number")
            }
            var trainSeconds: Double?
            if columns == 7, !fields[6].isEmpty {
                guard let value = Double(fields[6]) else {
                    throw ConvKitError.corruptFile(file: file, reason: "metrics line \(index + 2) has a train_seconds that is not a number")
                }
                trainSeconds = value
            }
            return EpochMetrics(epoch: epoch, trainLoss: numbers[0], trainAccuracy: numbers[1], testLoss: numbers[2],
                                testAccuracy: numbers[3], seconds: numbers[4], trainSeconds: trainSeconds)
        }
    }
}
