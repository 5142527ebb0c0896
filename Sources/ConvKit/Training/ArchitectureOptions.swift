/// The architecture edits of `convkit train --batch-norm` and `--dropout P`: rewrites built on
/// ``LayerTree/map(_:input:path:_:)``, so they reach into every sequential list and block.
public enum ArchitectureOptions {
    /// Inserts `BatchNorm2d` after every convolution, transposed ones too (before its activation), named after the
    /// convolution: `conv1` → `bn1` (or `<name>_bn` when the name has no trailing number).
    /// A layer that read the convolution (by `inputs:`) reads the batch norm instead. Needs no
    /// shapes; an architecture with clashing names is returned unchanged (instantiating it reports them).
    public static func insertingBatchNorm(_ architecture: Architecture) -> Architecture {
        var result = architecture
        let edited = try? LayerTree.map(architecture.body, input: architecture.input, path: "", checkShapes: false) { site in
            guard let conv = site.layer as? any ChannelMixing else { return nil }
            return [conv, BatchNorm(site.names.fresh(derivedName(conv.name, prefix: "bn")), .two, features: conv.outChannels)]
        }.0
        result.body = edited ?? architecture.body
        result.notes.append("BatchNorm2d inserted after every convolution (--batch-norm).")
        return result
    }

    /// Inserts `Dropout(p)` after the activation that follows every hidden fully connected layer
    /// (every `Linear` but the last in execution order), named after it: `fc1` → `dropout1`.
    public static func insertingDropout(_ architecture: Architecture, probability: Double) throws -> Architecture {
        if let problem = Dropout.probabilityProblem(probability) {
            throw ConvKitError.invalidArgument(name: "--dropout", reason: problem)
        }
        let linears = LayerTree.leaves(architecture.body).compactMap { $0 as? Linear }
        guard linears.count > 1 else { return architecture }
        var result = architecture
        var linearsSeen = 0
        result.body = try LayerTree.map(architecture.body, input: architecture.input, path: "", checkShapes: false) { site in
            if site.layer is Linear { linearsSeen += 1 }
            guard site.layer is any ActivationLayer, let fc = site.previous as? Linear, linearsSeen < linears.count else { return nil }
            return [site.layer, Dropout(site.names.fresh(derivedName(fc.name, prefix: "dropout")), probability: probability)]
        }.0
        result.notes.append("Dropout(\(probability)) inserted after every hidden fully connected layer's activation (--dropout).")
        return result
    }

    /// Sets the outputs of the last convolution or linear layer in execution order (the classifier of
    /// every zoo model) to `classes`, as torchvision's `num_classes` does; layers after it must not
    /// fix the channel count (a batch norm with explicit features would then report a mismatch).
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` when the model has no such layer.
    public static func replacingClasses(_ architecture: Architecture, classes: Int) throws -> Architecture {
        let weighted = LayerTree.leaves(architecture.body).filter { $0 is Linear || $0 is any ChannelMixing }.count
        guard weighted > 0 else {
            throw ConvKitError.invalidArgument(name: "--classes", reason: "model '\(architecture.name)' has no convolution or linear layer to set the classes of")
        }
        var seen = 0
        var replaced = ""
        var result = architecture
        result.body = try LayerTree.map(architecture.body, input: architecture.input, path: "", checkShapes: false) { site in
            guard site.layer is Linear || site.layer is any ChannelMixing else { return nil }
            seen += 1
            guard seen == weighted else { return nil }
            replaced = site.path
            if var linear = site.layer as? Linear {
                linear.outFeatures = classes
                return [linear]
            }
            guard var conv = site.layer as? any ChannelMixing, conv.groups == 1, (conv as? Conv2d)?.connectionTable == nil else {
                throw ConvKitError.invalidArgument(name: "--classes", reason: "the last weighted layer '\(site.path)' is a grouped convolution or has a connection table")
            }
            conv.outChannels = classes
            return [conv]
        }.0
        result.notes.append("Outputs of \(replaced) set to \(classes) (--classes).")
        return result
    }

    static func derivedName(_ name: String, prefix: String) -> String {
        let digits = String(name.reversed().prefix { $0.isNumber }.reversed())
        return digits.isEmpty ? name + "_" + prefix : prefix + digits
    }
}
