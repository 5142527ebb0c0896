import Foundation

/// Resumable checkpoints: a normal ``Checkpoint`` (the network's state_dict, architecture,
/// normalization and classes) plus the training state, in the same safetensors file, so one
/// atomic rename replaces weights and state together — a crash leaves the previous complete
/// checkpoint or the new one, never weights from one step with state from another.
///
/// Optimizer state is stored as extra float32 tensors under the prefix `optimizer.`, one
/// `optimizer.<param>.<suffix>` per trainable parameter and slot the optimizer declares
/// (``Optimizer/stateSlots``, ``OptimizerStateSlot``), read and checked from that declaration alone:
/// `optimizer.<param>.momentum_buffer` (SGD with momentum, the velocity v),
/// `optimizer.<param>.exp_avg`, `optimizer.<param>.exp_avg_sq` (Adam's m and v, shaped like the
/// parameter) and `optimizer.<param>.step` (Adam's step count, a scalar). ConvKit's loaders skip
/// them (``Checkpoint/loadWeights(_:into:file:)``); PyTorch's strict `load_state_dict` does not,
/// so filter them first: `{k: v for k, v in load_file(p).items() if not k.startswith("optimizer.")}`.
///
/// Metadata (all strings): `convkit.resume` = `1` (marks the file resumable; the format's
/// version), `convkit.resume.epoch` and `convkit.resume.step` (the ``TrainingPosition``),
/// `convkit.resume.random` and `convkit.resume.epoch_random` (the generators' 4 state words in hex,
/// comma-separated), `convkit.resume.epoch_sums` (the epoch's loss sum as the hex bit pattern of
/// a Double, correct predictions, images seen), `convkit.resume.metrics` (the metrics CSV of the
/// completed epochs), `convkit.resume.request` (the training request as JSON, see
/// ``TrainingRequestCoding``) and `convkit.resume.train_images` (the training set's size, checked
/// when resuming).
public enum ResumableCheckpoint {
    /// Metadata key marking a resumable checkpoint; its value is the format version, `1`.
    public static let resumeKey = "convkit.resume"
    /// Prefix of the optimizer-state tensors.
    public static let statePrefix = "optimizer."
    static let epochKey = "convkit.resume.epoch", stepKey = "convkit.resume.step", randomKey = "convkit.resume.random"
    static let epochRandomKey = "convkit.resume.epoch_random", sumsKey = "convkit.resume.epoch_sums"
    static let metricsKey = "convkit.resume.metrics", requestKey = "convkit.resume.request", imagesKey = "convkit.resume.train_images"

    /// Everything needed to continue a run.
    public struct State {
        /// The request the run started with (architecture edits are already in `network`).
        public var request: TrainingRequest
        /// The network with its weights and buffers as saved.
        public var network: Network
        /// The optimizer's state, keyed as ``Optimizer/state``.
        public var optimizerState: [String: [Float]]
        /// Where the run stands.
        public var position: TrainingPosition
        /// Metrics of the completed epochs.
        public var metrics: [EpochMetrics]
        /// The input normalization in use (exact dataset statistics included).
        public var normalization: Normalization
        /// The class names.
        public var classes: [String]
        /// The size of the training set the run uses.
        public var trainImages: Int
    }

    /// The checkpoint's tensors and metadata.
    public static func contents(network: Network, optimizer: any Optimizer, request: TrainingRequest, position: TrainingPosition,
                                metrics: [EpochMetrics], normalization: Normalization, classes: [String], trainImages: Int) throws -> SafeTensors {
        var file = try Checkpoint.contents(of: network, normalization: normalization, classes: classes, extra: [
            "convkit.dataset": request.dataset,
            "convkit.epochs": String(position.completedEpochs),
            resumeKey: "1",
            epochKey: String(position.epoch),
            stepKey: String(position.step),
            randomKey: hex(position.random),
            epochRandomKey: hex(position.epochStartRandom),
            sumsKey: "\(String(position.lossSum.bitPattern, radix: 16)),\(position.correct),\(position.seen)",
            metricsKey: MetricsReport.csv(metrics),
            requestKey: TrainingRequestCoding.json(request).serialized(pretty: false),
            imagesKey: String(trainImages),
        ])
        file.entries += try stateEntries(optimizer, network: network)
        return file
    }

    /// Writes a resumable checkpoint atomically (temporary file, fsync, rename, folder fsync).
    public static func save(to path: String, network: Network, optimizer: any Optimizer, request: TrainingRequest, position: TrainingPosition,
                            metrics: [EpochMetrics], normalization: Normalization, classes: [String], trainImages: Int) throws {
        try contents(network: network, optimizer: optimizer, request: request, position: position, metrics: metrics,
                     normalization: normalization, classes: classes, trainImages: trainImages).write(to: path)
    }

    /// Reads a resumable checkpoint.
    /// - Throws: ``ConvKitError/corruptFile(file:reason:)`` for a checkpoint without training state
    ///   (weights only: nothing to resume) or with inconsistent state, naming the key or tensor.
    public static func load(_ path: String) throws -> State {
        let file = try SafeTensors.read(from: path)
        guard let version = file.metadata[resumeKey] else {
            throw ConvKitError.corruptFile(file: path, reason: "holds weights only, no training state to resume from (write resumable checkpoints with --checkpoint-every N)")
        }
        guard version == "1" else {
            throw ConvKitError.corruptFile(file: path, reason: "training state version '\(version)' is not supported (this ConvKit reads version 1)")
        }
        func value(_ key: String) throws -> String {
            guard let text = file.metadata[key] else { throw ConvKitError.corruptFile(file: path, reason: "no '\(key)' metadata") }
            return text
        }
        func count(_ key: String) throws -> Int {
            guard let number = Int(try value(key)), number >= 0 else {
                throw ConvKitError.corruptFile(file: path, reason: "'\(key)' metadata must be a non-negative integer")
            }
            return number
        }
        let requestText = try value(requestKey)
        let request = try TrainingRequestCoding.request(from: try StrictJSONParser.parse(ArraySlice(Array(requestText.utf8)), file: path, what: "'\(requestKey)' metadata"),
                                                        file: path)
        let loaded = try Checkpoint.load(file, path: path)
        let sums = try value(sumsKey).split(separator: ",").map(String.init)
        guard sums.count == 3, let bits = UInt64(sums[0], radix: 16), let correct = Int(sums[1]), let seen = Int(sums[2]), correct >= 0, seen >= correct else {
            throw ConvKitError.corruptFile(file: path, reason: "'\(sumsKey)' metadata must be LOSS_BITS_HEX,CORRECT,SEEN")
        }
        let position = TrainingPosition(epoch: try count(epochKey), step: try count(stepKey), epochStartRandom: try random(try value(epochRandomKey), key: epochRandomKey, path),
                                        random: try random(try value(randomKey), key: randomKey, path), lossSum: Double(bitPattern: bits),
                                        correct: correct, seen: seen)
        let state = try optimizerState(file, slots: request.options.makeOptimizer().stateSlots, kind: request.options.optimizer,
                                       network: loaded.network, path: path)
        return State(request: request, network: loaded.network, optimizerState: state, position: position,
                     metrics: try MetricsReport.parse(csv: try value(metricsKey), file: path), normalization: loaded.normalization,
                     classes: loaded.classes ?? [], trainImages: try count(imagesKey))
    }

    static func hex(_ random: RandomGenerator) -> String {
        random.stateWords.map { String($0, radix: 16) }.joined(separator: ",")
    }

    static func random(_ text: String, key: String, _ path: String) throws -> RandomGenerator {
        let words = text.split(separator: ",").compactMap { UInt64($0, radix: 16) }
        do {
            return try RandomGenerator(state: words)
        } catch {
            throw ConvKitError.corruptFile(file: path, reason: "'\(key)' metadata must be 4 hexadecimal words, not all zero")
        }
    }

    /// The optimizer-state tensors of `optimizer` (one per slot of ``Optimizer/stateSlots`` and
    /// trainable parameter holding state), in tensor-name order, which is also the file's order.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` for state of no parameter of `network`.
    static func stateEntries(_ optimizer: any Optimizer, network: Network) throws -> [SafeTensors.Entry] {
        var state = optimizer.state
        var entries: [SafeTensors.Entry] = []
        for parameter in network.parameters {
            for slot in optimizer.stateSlots {
                guard let values = state.removeValue(forKey: slot.key(for: parameter.name)) else { continue }
                entries.append(SafeTensors.Entry(name: statePrefix + slot.key(for: parameter.name),
                                                 shape: slot.tensorShape(parameterShape: parameter.value.shape), values: values))
            }
        }
        if let key = state.keys.min() {
            throw ConvKitError.invalidArgument(name: "optimizer state", reason: "'\(key)' belongs to no parameter of the network")
        }
        return entries.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The optimizer state held by a checkpoint's `optimizer.` tensors, validated against the
    /// network and the slots the run's optimizer declares (``Optimizer/stateSlots``); `kind`
    /// only names the optimizer in messages.
    static func optimizerState(_ file: SafeTensors, slots: [OptimizerStateSlot], kind: TrainingOptions.OptimizerKind, network: Network,
                               path: String) throws -> [String: [Float]] {
        // Every tensor name the state may have: optimizer.<param>.<suffix> for trainable parameters.
        var owners: [String: (parameter: Parameter, slot: OptimizerStateSlot)] = [:]
        for parameter in network.trainableParameters {
            for slot in slots { owners[statePrefix + slot.key(for: parameter.name)] = (parameter, slot) }
        }
        let expected = slots.isEmpty ? "this \(kind) keeps no state" : "expected optimizer.<param>" + slots.map { "." + $0.suffix }.joined(separator: " or ")
        var state: [String: [Float]] = [:]
        for entry in file.entries where entry.name.hasPrefix(statePrefix) && network.parameter(named: entry.name) == nil {
            guard let (parameter, slot) = owners[entry.name] else {
                throw ConvKitError.corruptFile(file: path, reason: "tensor '\(entry.name)' is not \(kind) state of a trainable parameter (\(expected))")
            }
            let count = slot.count(parameterCount: parameter.value.count)
            guard entry.values.count == count else {
                throw ConvKitError.corruptFile(file: path, reason: "tensor '\(entry.name)' has \(entry.values.count) values, expected \(count)")
            }
            state[slot.key(for: parameter.name)] = entry.values
        }
        // Either no step was taken yet (no state), or every trainable parameter has all of its state.
        if !state.isEmpty {
            for parameter in network.trainableParameters {
                for slot in slots where state[slot.key(for: parameter.name)] == nil {
                    throw ConvKitError.corruptFile(file: path, reason: "missing optimizer state tensor '\(statePrefix)\(slot.key(for: parameter.name))'")
                }
            }
        }
        return state
    }
}
