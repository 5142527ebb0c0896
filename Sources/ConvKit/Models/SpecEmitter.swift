/// Writes an ``Architecture`` as a YAML model spec that ``ModelSpec/parse(yaml:file:defaultName:)``
/// reads back to the same layers: the same summary rows and totals (`convkit summary … --emit-spec`).
///
/// Every layer is written through its entry in ``LayerKinds``: its `type`, its name and the keys
/// its kind declares, each as that key encodes it: required keys always, optional keys when they
/// differ from their defaults (`in_channels`/`in_features`/`num_features` when the layer checks
/// them; a few kinds spell out some defaults). A leaf is one flow mapping; a layer with nested
/// layer lists (`sequential`, `concat`) is a block mapping. Strings are double-quoted. The
/// model's notes become its `description`. Padding given as 0 is written as the default
/// (`valid`), which has the same shapes and costs.
public enum SpecEmitter {
    /// The spec text of `architecture`.
    /// - Throws: ``ConvKitError/invalidLayer(layer:reason:)`` for a layer kind that has no spec form.
    public static func emit(_ architecture: Architecture) throws -> String {
        var out = "# \(architecture.name): written by convkit (--emit-spec); `convkit summary FILE` reads it back.\n"
        out += "name: \(quote(architecture.name))\n"
        if !architecture.notes.isEmpty { out += "description: \(quote(architecture.notes.joined(separator: " ")))\n" }
        out += "input: \(SpecText.list(architecture.input.dimensions))\n"
        out += "layers:\n"
        try writeLayers(architecture.body, path: "", indent: 2, into: &out)
        return out
    }

    private static func writeLayers(_ list: Sequential, path: String, indent: Int, into out: inout String) throws {
        let pad = String(repeating: " ", count: indent)
        for layer in list.layers {
            let reads = list.inputs[layer.name].map { [(LayerSpec.inputsKey, "[" + $0.map(quote).joined(separator: ", ") + "]")] } ?? []
            let layerPath = joinPath(path, layer.name)
            guard let kind = LayerKinds.kind(of: layer) else {
                throw ConvKitError.invalidLayer(layer: layerPath, reason: "layers of kind \(layer.kind) have no spec form yet")
            }
            guard !layer.name.isEmpty || kind.allowsEmptyName else {
                throw ConvKitError.invalidLayer(layer: path.isEmpty ? "(model)" : path, reason: "a nested \(kind.type) without a name has no spec form")
            }
            if let problem = kind.problem(layer) { throw ConvKitError.invalidLayer(layer: layerPath, reason: problem) }
            let keys = kind.encode(layer)
            var inline: [(key: String, text: String)] = []
            for (key, value) in keys { if case let .inline(text) = value { inline.append((key, text)) } }
            guard inline.count < keys.count else {
                // A leaf: one flow mapping.
                let fields = [("type", kind.type), ("name", quote(layer.name))] + reads + inline.map { ($0.key, $0.text) }
                out += "\(pad)- {" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}\n"
                continue
            }
            // A container: a block mapping, nested layer lists indented under their key.
            out += "\(pad)- type: \(kind.type)\n\(pad)  name: \(quote(layer.name))\n"
            for (key, text) in reads { out += "\(pad)  \(key): \(text)\n" }
            for (key, value) in keys {
                switch value {
                case let .inline(text):
                    out += "\(pad)  \(key): \(text)\n"
                case let .layers(children):
                    out += "\(pad)  \(key):\n"
                    try writeLayers(children, path: layerPath, indent: indent + 4, into: &out)
                case let .branches(branches):
                    out += "\(pad)  \(key):\n"
                    for branch in branches {
                        out += "\(pad)    - name: \(quote(branch.name))\n\(pad)      layers:\n"
                        try writeLayers(branch, path: joinPath(layerPath, branch.name), indent: indent + 8, into: &out)
                    }
                }
            }
        }
    }

    /// A YAML double-quoted string (JSON escapes are valid YAML escapes).
    private static func quote(_ text: String) -> String { JSONValue.string(text).serialized() }
}
