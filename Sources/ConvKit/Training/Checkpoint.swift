import Foundation

/// Network checkpoints: a safetensors file whose tensors are the network's `state_dict`
/// (PyTorch names and layouts: `conv1.weight` `[6, 3, 5, 5]`, `bn1.running_mean`, …, all F32;
/// `num_batches_tracked` as a 0-dimensional F32 that `load_state_dict` casts to int64) and whose
/// metadata holds the architecture as a ConvKit YAML spec, so the file alone rebuilds the network.
///
/// Metadata keys: `format` = `convkit`, `convkit.version` = `1`, `convkit.architecture` (spec
/// text), `convkit.normalization` (`half`, `unit` or `mean=a,b,c;std=d,e,f`), `convkit.classes`
/// (class names joined by `,`), plus any extra keys (e.g. training state for resuming).
public enum Checkpoint {
    public static let architectureKey = "convkit.architecture"
    public static let normalizationKey = "convkit.normalization"
    public static let classesKey = "convkit.classes"

    /// The safetensors content for `network` (weights and buffers in state_dict order).
    public static func contents(of network: Network, normalization: Normalization, classes: [String],
                                extra: [String: String] = [:]) throws -> SafeTensors {
        var metadata = extra
        metadata["format"] = "convkit"
        metadata["convkit.version"] = "1"
        var architecture = network.architecture
        architecture.input = network.input
        metadata[architectureKey] = try SpecEmitter.emit(architecture)
        metadata[normalizationKey] = normalization.checkpointText
        metadata[classesKey] = classes.joined(separator: ",")
        return SafeTensors(entries: network.parameters.map { SafeTensors.Entry(name: $0.name, tensor: $0.value) }, metadata: metadata)
    }

    /// Writes a checkpoint atomically.
    public static func save(_ network: Network, to path: String, normalization: Normalization, classes: [String],
                            extra: [String: String] = [:]) throws {
        try contents(of: network, normalization: normalization, classes: classes, extra: extra).write(to: path)
    }

    /// A network rebuilt from a checkpoint: from its own architecture metadata, or from
    /// `architecture` (a zoo model or spec, for files written by other tools such as PyTorch).
    public struct Loaded {
        public var network: Network
        public var normalization: Normalization
        public var classes: [String]?
        public var metadata: [String: String]
    }

    /// Reads a checkpoint and loads its weights into a freshly built network.
    public static func load(_ path: String, architecture override: Architecture? = nil) throws -> Loaded {
        try load(try SafeTensors.read(from: path), path: path, architecture: override)
    }

    /// Loads the weights of an already read checkpoint file (`path` names it in errors).
    static func load(_ file: SafeTensors, path: String, architecture override: Architecture? = nil) throws -> Loaded {
        let architecture: Architecture
        if let override {
            architecture = override
        } else if let spec = file.metadata[architectureKey] {
            do {
                architecture = try ModelSpec.parse(yaml: spec, file: "\(path) (metadata \(architectureKey))")
            } catch let error as ConvKitError {
                throw ConvKitError.corruptFile(file: path, reason: "its architecture metadata is not a valid spec: \(error)")
            }
        } else {
            throw ConvKitError.corruptFile(file: path, reason: "no '\(architectureKey)' metadata: name the architecture with --model (a zoo name or spec file)")
        }
        let network = try Network(architecture, seed: 0)
        try loadWeights(file, into: network, file: path)
        let normalization = try file.metadata[normalizationKey].map { try Normalization(checkpointText: $0, file: path) } ?? .half
        let classes = file.metadata[classesKey].map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return Loaded(network: network, normalization: normalization, classes: classes, metadata: file.metadata)
    }

    /// Copies tensors into the network's parameters by name, as PyTorch's strict
    /// `load_state_dict`: every parameter must be present with the same shape, and no extra
    /// tensors may remain (a 1-element tensor fits a 0-dimensional buffer). In a resumable
    /// checkpoint (metadata `convkit.resume`), the training-state tensors under `optimizer.` that
    /// are not parameters of the network are skipped (see ``ResumableCheckpoint``).
    public static func loadWeights(_ file: SafeTensors, into network: Network, file path: String) throws {
        let expected = Set(network.parameters.map(\.name))
        let resumable = file.metadata[ResumableCheckpoint.resumeKey] != nil
        let entries = file.entries.filter { !resumable || !$0.name.hasPrefix(ResumableCheckpoint.statePrefix) || expected.contains($0.name) }
        var byName: [String: SafeTensors.Entry] = [:]
        for entry in entries { byName[entry.name] = entry }
        let missing = network.parameters.map(\.name).filter { byName[$0] == nil }
        let unexpected = entries.map(\.name).filter { !expected.contains($0) }
        guard missing.isEmpty, unexpected.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.joined(separator: ", "))") }
            throw ConvKitError.corruptFile(file: path, reason: "does not match the model '\(network.architecture.name)': \(parts.joined(separator: "; "))")
        }
        for parameter in network.parameters {
            guard let entry = byName[parameter.name] else { continue }
            let sameShape = entry.shape == parameter.value.shape
                || (parameter.value.shape.isEmpty && entry.values.count == 1)
            guard sameShape, entry.values.count == parameter.value.count else {
                throw ConvKitError.corruptFile(file: path, reason: "tensor '\(parameter.name)' has shape \(entry.shape), the model '\(network.architecture.name)' expects \(parameter.value.shape)")
            }
            parameter.value.storage = entry.values
            if let mask = parameter.mask {
                for i in 0..<mask.count where mask[i] == 0 && parameter.value.storage[i] != 0 {
                    throw ConvKitError.corruptFile(file: path, reason: "tensor '\(parameter.name)' has a non-zero weight at index \(i) where the connection table has no connection")
                }
            }
        }
    }
}

extension Normalization {
    /// `half`, `unit`, or `mean=a,b,c;std=d,e,f` (shortest round-tripping decimals).
    var checkpointText: String {
        switch self {
        case .half: return "half"
        case .unit: return "unit"
        case let .meanStd(mean, std):
            return "mean=" + mean.map { "\($0)" }.joined(separator: ",") + ";std=" + std.map { "\($0)" }.joined(separator: ",")
        }
    }

    init(checkpointText text: String, file: String) throws {
        switch text {
        case "half": self = .half
        case "unit": self = .unit
        default:
            let parts = text.split(separator: ";").map(String.init)
            func values(_ prefix: String) -> [Float]? {
                guard let part = parts.first(where: { $0.hasPrefix(prefix) }) else { return nil }
                let list = part.dropFirst(prefix.count).split(separator: ",").compactMap { Float(String($0)) }
                return list.isEmpty ? nil : list
            }
            guard parts.count == 2, let mean = values("mean="), let std = values("std="), mean.count == std.count, std.allSatisfy({ $0 > 0 }) else {
                throw ConvKitError.corruptFile(file: file, reason: "normalization metadata '\(text)' is not half, unit or mean=…;std=…")
            }
            self = .meanStd(mean: mean, std: std)
        }
    }
}
