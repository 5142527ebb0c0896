import Foundation

/// The memory a network may use, and the checks that refuse a model before anything is allocated
/// when its estimated footprint exceeds it.
///
/// Available memory (bytes) is `$CONVKIT_MEMORY_LIMIT` when set (a positive integer), else the
/// smaller of the machine's physical memory (`ProcessInfo.physicalMemory`) and the cgroup limit of
/// the process on Linux (`/sys/fs/cgroup/memory.max`, or cgroup v1's `memory.limit_in_bytes`), so
/// a container's limit counts. The estimates are float32 and come from ``Summary`` (exact,
/// overflow-checked counts, no allocation):
/// - instantiating a network (``Network/init(_:input:seed:)``): weights and their gradients,
///   `2 · params · 4` bytes;
/// - training (``TrainingSession``): the larger of one training step at batch N
///   (``TrainingMemory``: `N·input·4 + N·Σ activation bytes + (2 + k)·params·4`) and one evaluation
///   batch of up to 500 images (`params·4 + 500·(input·4 + Σ activation bytes)`).
public enum MemoryBudget {
    /// Environment variable that sets the available memory in bytes.
    public static let environmentKey = "CONVKIT_MEMORY_LIMIT"

    /// Available memory in bytes (see the type's documentation).
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` when `$CONVKIT_MEMORY_LIMIT` is set
    ///   but is not a positive integer.
    public static func availableBytes(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        if let text = environment[environmentKey], !text.isEmpty {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else {
                throw ConvKitError.invalidArgument(name: environmentKey, reason: "'\(text)' is not a positive number of bytes")
            }
            return value
        }
        var available = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let limit = cgroupLimit(path) { available = min(available, limit) }
        }
        return available
    }

    /// A cgroup memory limit file's value; nil when absent, `max` or unreadable.
    static func cgroupLimit(_ path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 64,
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              let value = Int(text), value > 0 else { return nil }
        return value
    }

    /// Bytes for the weights and gradients of a network: `2 · params · 4`.
    public static func networkBytes(_ summary: Summary) throws -> Int {
        try Checked.product([2, summary.totals.params, 4], "weights and gradients of '\(summary.model)'")
    }

    /// Refuses to instantiate a network whose weights and gradients would not fit.
    /// - Throws: ``ConvKitError/resourceLimit(what:needed:available:)`` naming the model and its
    ///   parameter count; ``ConvKitError/overflow(what:)`` when the size does not fit in 64 bits.
    public static func requireNetworkFits(_ summary: Summary) throws {
        let needed = try networkBytes(summary)
        let available = try availableBytes()
        guard needed <= available else {
            throw ConvKitError.resourceLimit(what: "model '\(summary.model)' (\(summary.totals.params.grouped) parameters; weights and gradients 2·params·4 bytes)",
                                             needed: needed, available: available)
        }
    }

    /// Bytes one evaluation batch of `batch` images needs: `params·4 + batch·(input·4 + Σ activation bytes)`.
    public static func evaluationBytes(_ summary: Summary, batch: Int) throws -> Int {
        let perImage = try Checked.add(try Checked.multiply(try summary.input.elementCount(), 4, "input bytes"),
                                       summary.totals.activationBytes, "evaluation memory per image")
        return try Checked.add(summary.totals.parameterBytes, try Checked.multiply(batch, perImage, "evaluation memory at batch \(batch)"),
                               "evaluation memory")
    }

    /// Refuses a training run whose step at `batch` (or evaluation at `evaluationBatch`) would not fit.
    public static func requireTrainingFits(_ summary: Summary, batch: Int, optimizer: TrainingOptions.OptimizerKind,
                                           evaluationBatch: Int = 500) throws {
        let step = try TrainingMemory(summary: summary, batch: batch, optimizer: optimizer == .adam ? .adam : .sgd)
        let evaluation = try evaluationBytes(summary, batch: evaluationBatch)
        let available = try availableBytes()
        if step.totalBytes > available {
            throw ConvKitError.resourceLimit(what: "training '\(summary.model)' at batch \(batch) (\(step.formula))",
                                             needed: step.totalBytes, available: available)
        }
        if evaluation > available {
            throw ConvKitError.resourceLimit(what: "evaluating '\(summary.model)' in batches of \(evaluationBatch) (params·4 + \(evaluationBatch)·(input·4 + Σ activation bytes))",
                                             needed: evaluation, available: available)
        }
    }
}
