/// Writes an ``Architecture`` as a YAML model spec that ``ModelSpec/parse(yaml:file:defaultName:)``
/// reads back to the same layers: the same summary rows and totals (`convkit summary … --emit-spec`).
///
/// Every layer is written with its name and the keys of ``LayerSpec`` that differ from their
/// defaults (required keys always, `in_channels`/`in_features`/`num_features` when the layer
/// checks them); containers are written as block mappings. Strings are double-quoted. The
/// model's notes become its `description`. Padding given as 0 is written as the default
/// (`valid`), which has the same shapes and costs.
public enum SpecEmitter {
    /// The spec text of `architecture`.
    /// - Throws: ``ConvKitError/invalidLayer(layer:reason:)`` for a layer kind that has no spec form.
    public static func emit(_ architecture: Architecture) throws -> String {
        var out = "# \(architecture.name): written by convkit (--emit-spec); `convkit summary FILE` reads it back.\n"
        out += "name: \(quote(architecture.name))\n"
        if !architecture.notes.isEmpty { out += "description: \(quote(architecture.notes.joined(separator: " ")))\n" }
        out += "input: \(list(architecture.input.dimensions))\n"
        out += "layers:\n"
        try writeLayers(architecture.body.layers, path: "", indent: 2, into: &out)
        return out
    }

    private static func writeLayers(_ layers: [any Layer], path: String, indent: Int, into out: inout String) throws {
        let pad = String(repeating: " ", count: indent)
        for layer in layers {
            let layerPath = joinPath(path, layer.name)
            if let sequential = layer as? Sequential {
                guard !sequential.name.isEmpty else {
                    throw ConvKitError.invalidLayer(layer: path.isEmpty ? "(model)" : path, reason: "a nested sequential without a name has no spec form")
                }
                out += "\(pad)- type: sequential\n\(pad)  name: \(quote(sequential.name))\n\(pad)  layers:\n"
                try writeLayers(sequential.layers, path: layerPath, indent: indent + 4, into: &out)
            } else if let concat = layer as? Concat {
                out += "\(pad)- type: concat\n\(pad)  name: \(quote(concat.name))\n\(pad)  branches:\n"
                for branch in concat.branches {
                    out += "\(pad)    - name: \(quote(branch.name))\n\(pad)      layers:\n"
                    try writeLayers(branch.layers, path: joinPath(layerPath, branch.name), indent: indent + 8, into: &out)
                }
            } else {
                let (type, keys) = try entry(layer, path: layerPath)
                let fields = [("type", type), ("name", quote(layer.name))] + keys
                out += "\(pad)- {" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}\n"
            }
        }
    }

    /// The spec `type` and the non-default keys of one leaf layer.
    private static func entry(_ layer: any Layer, path: String) throws -> (String, [(String, String)]) {
        var keys: [(String, String)] = []
        func add(_ key: String, _ value: String) { keys.append((key, value)) }
        switch layer {
        case let conv as Conv2d:
            if let c = conv.inChannels { add("in_channels", String(c)) }
            add("out_channels", String(conv.outChannels))
            add("kernel_size", size(conv.kernel))
            if conv.stride != Size2(1) { add("stride", size(conv.stride)) }
            switch conv.padding {
            case .same: add("padding", "same")
            case .valid: break
            case let .explicit(p): if p != Size2(0) { add("padding", size(p)) }
            }
            if conv.dilation != Size2(1) { add("dilation", size(conv.dilation)) }
            if conv.groups != 1 { add("groups", String(conv.groups)) }
            if !conv.bias { add("bias", "false") }
            if let table = conv.connectionTable { add("connection_table", "[" + table.map(list).joined(separator: ", ") + "]") }
            return ("conv2d", keys)
        case let linear as Linear:
            if let f = linear.inFeatures { add("in_features", String(f)) }
            add("out_features", String(linear.outFeatures))
            if !linear.bias { add("bias", "false") }
            return ("linear", keys)
        case let pool as MaxPool2d:
            window(pool.window, into: &keys)
            if pool.window.dilation != Size2(1) { add("dilation", size(pool.window.dilation)) }
            return ("maxpool2d", keys)
        case let pool as AvgPool2d:
            guard pool.window.dilation == Size2(1) else {
                throw ConvKitError.invalidLayer(layer: path, reason: "average pooling has no dilation, found \(pool.window.dilation)")
            }
            window(pool.window, into: &keys)
            if !pool.countIncludePad { add("count_include_pad", "false") }
            return ("avgpool2d", keys)
        case let pool as AdaptiveAvgPool2d:
            add("output_size", size(pool.outputSize))
            return ("adaptiveavgpool2d", keys)
        case let sub as Subsampling:
            add("kernel_size", String(sub.kernel))
            return ("subsampling", keys)
        case let norm as BatchNorm:
            if let f = norm.features { add("num_features", String(f)) }
            if norm.epsilon != 1e-5 { add("eps", String(norm.epsilon)) }
            if norm.momentum != 0.1 { add("momentum", String(norm.momentum)) }
            if !norm.affine { add("affine", "false") }
            return (norm.dimensions == .two ? "batchnorm2d" : "batchnorm1d", keys)
        case let lrn as LocalResponseNorm:
            add("size", String(lrn.size))
            add("alpha", String(lrn.alpha))
            add("beta", String(lrn.beta))
            add("k", String(lrn.k))
            return ("localresponsenorm", keys)
        case let dropout as Dropout:
            add("p", String(dropout.probability))
            return ("dropout", keys)
        case is ReLU: return ("relu", keys)
        case is Sigmoid: return ("sigmoid", keys)
        case is Tanh: return ("tanh", keys)
        case is Flatten: return ("flatten", keys)
        default:
            throw ConvKitError.invalidLayer(layer: path, reason: "layers of kind \(layer.kind) have no spec form yet")
        }
    }

    private static func window(_ window: PoolingWindow, into keys: inout [(String, String)]) {
        keys.append(("kernel_size", size(window.kernel)))
        if window.stride != window.kernel { keys.append(("stride", size(window.stride))) }
        if window.padding != Size2(0) { keys.append(("padding", size(window.padding))) }
        if window.ceilMode { keys.append(("ceil_mode", "true")) }
    }

    /// `3`, or `[3, 5]` when height and width differ.
    private static func size(_ s: Size2) -> String { s.isSquare ? String(s.height) : list([s.height, s.width]) }

    private static func list(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }

    /// A YAML double-quoted string (JSON escapes are valid YAML escapes).
    private static func quote(_ text: String) -> String { JSONValue.string(text).serialized() }
}
