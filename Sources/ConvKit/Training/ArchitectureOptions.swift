/// The architecture edits of `convkit train --batch-norm` and `--dropout P`.
public enum ArchitectureOptions {
    /// Inserts `BatchNorm2d` after every convolution (before its activation), named after the
    /// convolution: `conv1` → `bn1` (or `<name>_bn` when the name has no trailing number).
    public static func insertingBatchNorm(_ architecture: Architecture) -> Architecture {
        var result = architecture
        result.body = mapSequences(architecture.body) { layers in
            var taken = Set(layers.map(\.name))
            return layers.flatMap { layer -> [any Layer] in
                guard let conv = layer as? Conv2d else { return [layer] }
                let name = unusedName(derivedName(conv.name, prefix: "bn"), taken: &taken)
                return [conv, BatchNorm(name, .two, features: conv.outChannels)]
            }
        }
        result.notes.append("BatchNorm2d inserted after every convolution (--batch-norm).")
        return result
    }

    /// Inserts `Dropout(p)` after the activation that follows every hidden fully connected layer
    /// (every `Linear` but the last), named after it: `fc1` → `dropout1`.
    public static func insertingDropout(_ architecture: Architecture, probability: Double) throws -> Architecture {
        if let problem = Dropout.probabilityProblem(probability) {
            throw ConvKitError.invalidArgument(name: "--dropout", reason: problem)
        }
        let hidden = collectLinears(architecture.body).count - 1
        guard hidden > 0 else { return architecture }
        var seen = 0
        var result = architecture
        result.body = insertDropout(architecture.body, probability: probability, hidden: hidden, seen: &seen)
        result.notes.append("Dropout(\(probability)) inserted after every hidden fully connected layer's activation (--dropout).")
        return result
    }

    /// Walks layers in execution order; `seen` counts the Linear layers met so far.
    private static func insertDropout(_ sequential: Sequential, probability: Double, hidden: Int, seen: inout Int) -> Sequential {
        var copy = sequential
        var out: [any Layer] = []
        var taken = Set(sequential.layers.map(\.name))
        var pending: Linear?
        for layer in sequential.layers {
            if let inner = layer as? Sequential {
                out.append(insertDropout(inner, probability: probability, hidden: hidden, seen: &seen))
            } else if var concat = layer as? Concat {
                concat.branches = concat.branches.map { insertDropout($0, probability: probability, hidden: hidden, seen: &seen) }
                out.append(concat)
            } else {
                out.append(layer)
            }
            if let linear = layer as? Linear {
                seen += 1
                pending = seen <= hidden ? linear : nil
            } else if let fc = pending, layer is ReLU || layer is Sigmoid || layer is Tanh {
                out.append(Dropout(unusedName(derivedName(fc.name, prefix: "dropout"), taken: &taken), probability: probability))
                pending = nil
            } else {
                pending = nil
            }
        }
        copy.layers = out
        return copy
    }

    /// `name`, or `name_2`, `name_3`, … when a sibling already has it; records the result.
    static func unusedName(_ name: String, taken: inout Set<String>) -> String {
        var candidate = name, counter = 1
        while taken.contains(candidate) {
            counter += 1
            candidate = "\(name)_\(counter)"
        }
        taken.insert(candidate)
        return candidate
    }

    static func derivedName(_ name: String, prefix: String) -> String {
        let digits = String(name.reversed().prefix { $0.isNumber }.reversed())
        return digits.isEmpty ? name + "_" + prefix : prefix + digits
    }

    private static func collectLinears(_ layer: any Layer) -> [Linear] {
        if let linear = layer as? Linear { return [linear] }
        if let sequential = layer as? Sequential { return sequential.layers.flatMap(collectLinears) }
        if let concat = layer as? Concat { return concat.branches.flatMap(collectLinears) }
        return []
    }

    /// Rewrites the layer list of every sequential block (innermost first).
    static func mapSequences(_ sequential: Sequential, _ transform: ([any Layer]) -> [any Layer]) -> Sequential {
        var copy = sequential
        copy.layers = transform(sequential.layers.map { layer -> any Layer in
            if let inner = layer as? Sequential { return mapSequences(inner, transform) }
            if var concat = layer as? Concat {
                concat.branches = concat.branches.map { mapSequences($0, transform) }
                return concat
            }
            return layer
        })
        return copy
    }
}
