import Foundation

/// An estimate of the memory one training step needs at batch size N, in float32 bytes:
///
/// `total = N·input·4 + N·Σ activation bytes + params·4 (weights) + params·4 (gradients)
///        + k·params·4 (optimizer state)`, with `k = 1` for SGD with momentum (one velocity
/// buffer) and `k = 2` for Adam (first and second moments).
///
/// It is an upper bound on what the layers keep for the backward pass: every layer's output is
/// counted as kept (frameworks free or recompute some, e.g. in-place ReLU), and workspaces
/// (im2col buffers), the gradients of activations while they flow back, and framework overhead
/// are not counted.
public struct TrainingMemory: Sendable, Equatable {
    /// The optimizer whose state is counted.
    public enum Optimizer: String, CaseIterable, Sendable {
        case sgd, adam

        /// Parses an `--optimizer` value, listing the valid ones on error.
        public init(parsing text: String) throws {
            guard let optimizer = Optimizer(rawValue: text.lowercased()) else {
                throw ConvKitError.invalidArgument(name: "--optimizer", reason: "'\(text)' is not one of \(Optimizer.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = optimizer
        }

        /// State buffers per parameter: SGD with momentum 1 (velocity), Adam 2 (moments).
        public var stateBuffers: Int { self == .sgd ? 1 : 2 }

        /// `SGD with momentum` or `Adam`.
        public var label: String { self == .sgd ? "SGD with momentum" : "Adam" }
    }

    /// Batch size N (examples per step).
    public var batch: Int
    /// The optimizer whose state buffers are counted.
    public var optimizer: Optimizer
    /// `N · input units · 4`.
    public var inputBytes: Int
    /// `N · Σ activation bytes` (every layer's output kept for the backward pass).
    public var activationBytes: Int
    /// `params · 4`.
    public var parameterBytes: Int
    /// One gradient per parameter: `params · 4`.
    public var gradientBytes: Int
    /// `k · params · 4`, k = ``Optimizer/stateBuffers``.
    public var optimizerBytes: Int
    /// The sum of the five parts.
    public var totalBytes: Int

    /// The estimate for `summary` at batch size `batch`.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` for a batch below 1,
    ///   ``ConvKitError/overflow(what:)`` when a count does not fit in 64 bits.
    public init(summary: Summary, batch: Int, optimizer: Optimizer = .sgd) throws {
        guard batch >= 1 else { throw ConvKitError.invalidArgument(name: "--batch", reason: "must be at least 1, found \(batch)") }
        self.batch = batch
        self.optimizer = optimizer
        inputBytes = try Checked.product([batch, try summary.input.elementCount(), 4], "input memory at batch \(batch)")
        activationBytes = try Checked.multiply(batch, summary.totals.activationBytes, "activation memory at batch \(batch)")
        parameterBytes = summary.totals.parameterBytes
        gradientBytes = parameterBytes
        optimizerBytes = try Checked.multiply(optimizer.stateBuffers, parameterBytes, "optimizer state")
        var total = 0
        for part in [inputBytes, activationBytes, parameterBytes, gradientBytes, optimizerBytes] {
            total = try Checked.add(total, part, "training memory")
        }
        totalBytes = total
    }

    /// The formula, as printed and in JSON.
    public var formula: String {
        "total = N·input·4 + N·Σ activation bytes + params·4 (weights) + params·4 (gradients) + \(optimizer.stateBuffers)·params·4 (\(optimizer.label) state)"
    }

    /// `3.6 TiB`, `1.2 GiB`, `37.7 MiB`, `12.0 KiB` or `512 B`.
    static func human(_ bytes: Int) -> String {
        let units = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, size) in units where bytes >= size { return String(format: "%.1f", Double(bytes) / Double(size)) + " " + name }
        return "\(bytes) B"
    }

    /// The estimate as text lines, each part with its arithmetic.
    public func text(summary: Summary) -> String {
        var table = TextTable(headers: ["Part", "Arithmetic", "Bytes", ""], alignments: [.left, .left, .right, .right])
        let input = (try? summary.input.elementCount()) ?? 0
        let params = summary.totals.params
        let rows: [(String, String, Int)] = [
            ("input batch", "\(batch) · \(input.grouped) units · 4 B", inputBytes),
            ("activations", "\(batch) · \(summary.totals.activationBytes.grouped) B (every layer output kept)", activationBytes),
            ("parameters", "\(params.grouped) params · 4 B", parameterBytes),
            ("gradients", "one per parameter", gradientBytes),
            ("optimizer state", "\(optimizer.stateBuffers) · \(parameterBytes.grouped) B (\(optimizer.label))", optimizerBytes),
        ]
        for (part, arithmetic, bytes) in rows { table.rows.append([part, arithmetic, bytes.grouped, Self.human(bytes)]) }
        table.rulesBefore.insert(table.rows.count)
        table.rows.append(["total", "", totalBytes.grouped, Self.human(totalBytes)])
        return "Training memory at batch \(batch) with \(optimizer.label) — an estimate (float32; an upper bound on what "
            + "is kept for backward: every layer output; workspaces and framework overhead not counted):\n"
            + formula + "\n\n" + table.text()
    }

    /// The estimate as a JSON object: `{"batch", "optimizer", "input_bytes", "activation_bytes",
    /// "parameter_bytes", "gradient_bytes", "optimizer_bytes", "total_bytes", "formula"}`.
    public var json: JSONValue {
        .object([
            ("batch", .int(batch)), ("optimizer", .string(optimizer.rawValue)), ("input_bytes", .int(inputBytes)),
            ("activation_bytes", .int(activationBytes)), ("parameter_bytes", .int(parameterBytes)),
            ("gradient_bytes", .int(gradientBytes)), ("optimizer_bytes", .int(optimizerBytes)),
            ("total_bytes", .int(totalBytes)), ("formula", .string(formula)),
        ])
    }
}
