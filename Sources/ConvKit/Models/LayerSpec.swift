/// Reads the `layers` lists of a model spec with the kinds of ``LayerKinds``: each entry is a
/// bare name (`- relu`, for kinds without required keys) or a mapping with `type`, an optional
/// `name` and the kind's own keys, which each kind declares once in its file (see the key table,
/// ``LayerKinds/markdownTable()``, also in the README's "Spec files"). Every entry may also name
/// `inputs:` — earlier layers of the same list, or `input` for what the list itself reads — to
/// read those instead of the layer before it (a graph; see ``Sequential/inputs``).
enum LayerSpec {
    /// The key, common to every kind, that names what a layer reads.
    static let inputsKey = "inputs"

    /// Parses a list of layer entries and names the unnamed ones (`<prefix><n>`, skipping names
    /// given explicitly). `depth` is the nesting level; `budget` the layers the spec may still add.
    static func parseList(_ node: SpecNode, what: String, depth: Int, budget: inout Int) throws -> Sequential {
        guard depth < ModelSpec.maximumDepth else { throw node.error("layers are nested more than \(ModelSpec.maximumDepth) levels deep") }
        let items = try node.list(what)
        guard !items.isEmpty else { throw node.error("\(what) must list at least one layer") }
        // First pass: kinds and explicit names, so that generated names never collide with them.
        var entries: [(kind: LayerKind, mapping: SpecMapping?, name: String?, node: SpecNode)] = []
        for item in items {
            budget -= 1
            guard budget >= 0 else { throw item.error("more than \(ModelSpec.maximumLayers) layers") }
            if let text = item.scalarText {
                guard let kind = LayerKinds.kind(for: text) else { throw unknownType(text, item) }
                guard kind.bare else {
                    throw item.error("layer '\(text)' needs parameters; write it as a mapping, e.g. {type: \(kind.type), …}")
                }
                entries.append((kind, nil, nil, item))
                continue
            }
            let mapping = try item.mapping("a layer")
            let typeNode = try mapping.required("type")
            let type = try typeNode.string("type")
            guard let kind = LayerKinds.kind(for: type) else { throw unknownType(type, typeNode) }
            try mapping.finish(allowed: ["type", "name", inputsKey] + kind.listedKeys.map(\.name))
            let name = try mapping.value("name")?.string("name")
            if let name, (name.isEmpty && !kind.allowsEmptyName) || name.contains(".") {
                throw (mapping.value("name") ?? item).error("layer names must be non-empty and contain no '.', found '\(name)'")
            }
            entries.append((kind, mapping, name, item))
        }
        var used = Set(entries.compactMap(\.name))
        var counters: [String: Int] = [:]
        var layers: [any Layer] = []
        var inputs: [String: [String]] = [:]
        var inputNodes: [(index: Int, node: SpecNode)] = []
        var context = SpecParseContext(depth: depth, budget: budget, parseList: parseList)
        defer { budget = context.budget }
        for (index, entry) in entries.enumerated() {
            let name: String
            if let explicit = entry.name {
                name = explicit
            } else {
                // The next `<prefix><n>` not taken by an explicit or earlier generated name.
                var counter = counters[entry.kind.prefix, default: 0]
                repeat { counter += 1 } while used.contains(entry.kind.prefix + String(counter))
                counters[entry.kind.prefix] = counter
                name = entry.kind.prefix + String(counter)
            }
            used.insert(name)
            let mapping = entry.mapping ?? SpecMapping(owner: entry.node, what: "layer", entries: [])
            if let inputsNode = mapping.value(inputsKey) {
                let names = try inputsNode.list(inputsKey).map { try $0.string("an input name") }
                guard !names.isEmpty else { throw inputsNode.error("layer '\(name)': inputs must name at least one layer") }
                inputs[name] = names
                inputNodes.append((index, inputsNode))
            }
            layers.append(try entry.kind.build(mapping, name, &context))
        }
        // Each named input must be an earlier layer of this list or `input` (no cycles).
        let position = Dictionary(layers.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, node) in inputNodes {
            let name = layers[index].name
            for (item, input) in zip(try node.list(inputsKey), inputs[name] ?? []) where input != Sequential.inputName {
                guard let at = position[input] ?? Self.owner(of: input, among: layers, position: position) else {
                    let earlier = [Sequential.inputName] + layers[..<index].map(\.name)
                    throw item.error("layer '\(name)': unknown input '\(input)' (it may read: \(earlier.joined(separator: ", ")))")
                }
                guard at < index else {
                    throw item.error("layer '\(name)': input '\(input)' is defined later (a layer may only read earlier layers: a graph has no cycles)")
                }
            }
        }
        return Sequential(name: "", layers, inputs: inputs)
    }

    /// The position of the earlier block or sequential that holds the node `dotted` (`split.1`,
    /// `block.conv1`: a dotted name relative to the list), or `nil` when none does.
    static func owner(of dotted: String, among layers: [any Layer], position: [String: Int]) -> Int? {
        var end = dotted.lastIndex(of: ".")
        while let dot = end {
            let head = String(dotted[..<dot])
            if let at = position[head] {
                let graph = (try? LayerGraph.inside(layers[at], path: head)) ?? nil
                return graph?.nodes.contains { $0.path == dotted } == true ? at : nil
            }
            end = dotted[..<dot].lastIndex(of: ".")
        }
        return nil
    }

    private static func unknownType(_ type: String, _ node: SpecNode) -> ConvKitError {
        node.error("unknown layer type '\(type)' (expected one of: \(LayerKinds.all.map(\.type).joined(separator: ", ")))")
    }
}
