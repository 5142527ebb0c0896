/// How each layer kind is written in a model spec: its `type`, the keys it accepts (PyTorch's
/// argument names) and the default name prefix of unnamed layers.
///
/// | type | keys (required in bold) |
/// |---|---|
/// | conv2d | **out_channels**, **kernel_size**, in_channels, stride, padding (int, [h, w], valid, same), dilation, groups, bias, connection_table |
/// | linear | **out_features**, in_features, bias |
/// | maxpool2d | **kernel_size**, stride, padding, dilation, ceil_mode |
/// | avgpool2d | **kernel_size**, stride, padding, ceil_mode, count_include_pad |
/// | adaptiveavgpool2d | **output_size** |
/// | subsampling | kernel_size (LeCun's trainable subsampling) |
/// | batchnorm2d, batchnorm1d | num_features, eps, momentum, affine |
/// | localresponsenorm | **size**, alpha, beta, k |
/// | dropout | p |
/// | relu, sigmoid, tanh, flatten | — |
/// | sequential | **layers** |
/// | concat | **branches**: a list of `{name, layers}`; `name: ""` leaves the branch paths unprefixed |
enum LayerSpec {
    struct Kind: Sendable {
        let type: String
        let prefix: String
        let keys: [String]
        /// Whether the layer may be written as a bare name (`- relu`): it has no required keys.
        var bare: Bool { !["conv2d", "linear", "maxpool2d", "avgpool2d", "adaptiveavgpool2d", "localresponsenorm", "sequential", "concat"].contains(type) }
        let build: @Sendable (SpecMapping, String, Int, inout Int) throws -> any Layer
    }

    static let kinds: [Kind] = [
        Kind(type: "conv2d", prefix: "conv", keys: ["out_channels", "kernel_size", "in_channels", "stride", "padding", "dilation", "groups", "bias", "connection_table"]) { m, name, _, _ in
            Conv2d(name,
                   inChannels: try m.value("in_channels")?.positiveInt("in_channels"),
                   outChannels: try m.required("out_channels").positiveInt("out_channels"),
                   kernel: try m.required("kernel_size").size2("kernel_size"),
                   stride: try m.value("stride")?.size2("stride") ?? Size2(1),
                   padding: try padding(m.value("padding")),
                   dilation: try m.value("dilation")?.size2("dilation") ?? Size2(1),
                   groups: try m.value("groups")?.positiveInt("groups") ?? 1,
                   bias: try m.value("bias")?.bool("bias") ?? true,
                   connectionTable: try m.value("connection_table").map { node in
                       try node.list("connection_table").map { try $0.list("connection_table row").map { try $0.int("input channel") } }
                   })
        },
        Kind(type: "linear", prefix: "fc", keys: ["out_features", "in_features", "bias"]) { m, name, _, _ in
            Linear(name, try m.value("in_features")?.positiveInt("in_features"),
                   try m.required("out_features").positiveInt("out_features"),
                   bias: try m.value("bias")?.bool("bias") ?? true)
        },
        Kind(type: "maxpool2d", prefix: "pool", keys: ["kernel_size", "stride", "padding", "dilation", "ceil_mode"]) { m, name, _, _ in
            MaxPool2d(name, window: try window(m, dilation: true))
        },
        Kind(type: "avgpool2d", prefix: "pool", keys: ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]) { m, name, _, _ in
            AvgPool2d(name, window: try window(m, dilation: false),
                      countIncludePad: try m.value("count_include_pad")?.bool("count_include_pad") ?? true)
        },
        Kind(type: "adaptiveavgpool2d", prefix: "pool", keys: ["output_size"]) { m, name, _, _ in
            AdaptiveAvgPool2d(name, outputSize: try m.required("output_size").size2("output_size"))
        },
        Kind(type: "subsampling", prefix: "subsample", keys: ["kernel_size"]) { m, name, _, _ in
            Subsampling(name, kernel: try m.value("kernel_size")?.positiveInt("kernel_size") ?? 2)
        },
        Kind(type: "batchnorm2d", prefix: "bn", keys: ["num_features", "eps", "momentum", "affine"]) { m, name, _, _ in
            try batchNorm(m, name, .two)
        },
        Kind(type: "batchnorm1d", prefix: "bn", keys: ["num_features", "eps", "momentum", "affine"]) { m, name, _, _ in
            try batchNorm(m, name, .one)
        },
        Kind(type: "localresponsenorm", prefix: "lrn", keys: ["size", "alpha", "beta", "k"]) { m, name, _, _ in
            LocalResponseNorm(name, size: try m.required("size").positiveInt("size"),
                              alpha: try m.value("alpha")?.double("alpha") ?? 1e-4,
                              beta: try m.value("beta")?.double("beta") ?? 0.75,
                              k: try m.value("k")?.double("k") ?? 1)
        },
        Kind(type: "dropout", prefix: "dropout", keys: ["p"]) { m, name, _, _ in
            let p = try m.value("p")?.double("p") ?? 0.5
            guard p >= 0, p < 1 else { throw (m.value("p") ?? m.owner).error("p must be in [0, 1), found \(p)") }
            return Dropout(name, probability: p)
        },
        Kind(type: "relu", prefix: "relu", keys: []) { _, name, _, _ in ReLU(name) },
        Kind(type: "sigmoid", prefix: "sigmoid", keys: []) { _, name, _, _ in Sigmoid(name) },
        Kind(type: "tanh", prefix: "tanh", keys: []) { _, name, _, _ in Tanh(name) },
        Kind(type: "flatten", prefix: "flatten", keys: []) { _, name, _, _ in Flatten(name) },
        Kind(type: "sequential", prefix: "block", keys: ["layers"]) { m, name, depth, budget in
            Sequential(name: name, try parseList(try m.required("layers"), what: "layers of '\(name)'", depth: depth + 1, budget: &budget))
        },
        Kind(type: "concat", prefix: "concat", keys: ["branches"]) { m, name, depth, budget in
            let branchesNode = try m.required("branches")
            let branchNodes = try branchesNode.list("branches")
            guard !branchNodes.isEmpty else { throw branchesNode.error("concat needs at least one branch") }
            var branches: [Sequential] = []
            for (index, node) in branchNodes.enumerated() {
                let branch = try node.mapping("a concat branch")
                try branch.finish(allowed: ["name", "layers"])
                let branchName = try branch.value("name")?.string("name") ?? "branch\(index + 1)"
                branches.append(Sequential(name: branchName, try parseList(try branch.required("layers"), what: "layers of branch '\(branchName)'", depth: depth + 1, budget: &budget)))
            }
            return Concat(name: name, branches: branches)
        },
    ]

    /// Spec `type` aliases accepted besides the canonical names.
    static let aliases: [String: String] = [
        "conv": "conv2d", "fc": "linear", "dense": "linear", "maxpool": "maxpool2d", "avgpool": "avgpool2d",
        "globalavgpool": "adaptiveavgpool2d", "batchnorm": "batchnorm2d", "lrn": "localresponsenorm",
    ]

    static func kind(for type: String) -> Kind? {
        let key = type.lowercased().replacingOccurrences(of: "_", with: "")
        let canonical = aliases[key] ?? key
        return kinds.first { $0.type == canonical }
    }

    /// Parses a list of layer entries and names the unnamed ones.
    static func parseList(_ node: SpecNode, what: String, depth: Int, budget: inout Int) throws -> [any Layer] {
        guard depth < ModelSpec.maximumDepth else { throw node.error("layers are nested more than \(ModelSpec.maximumDepth) levels deep") }
        let items = try node.list(what)
        guard !items.isEmpty else { throw node.error("\(what) must list at least one layer") }
        // First pass: kinds and explicit names, so that generated names never collide with them.
        var entries: [(kind: Kind, mapping: SpecMapping?, name: String?, node: SpecNode)] = []
        for item in items {
            budget -= 1
            guard budget >= 0 else { throw item.error("more than \(ModelSpec.maximumLayers) layers") }
            if let text = item.scalarText {
                guard let kind = kind(for: text) else { throw unknownType(text, item) }
                guard kind.bare else {
                    throw item.error("layer '\(text)' needs parameters; write it as a mapping, e.g. {type: \(kind.type), …}")
                }
                entries.append((kind, nil, nil, item))
                continue
            }
            let mapping = try item.mapping("a layer")
            let typeNode = try mapping.required("type")
            let type = try typeNode.string("type")
            guard let kind = kind(for: type) else { throw unknownType(type, typeNode) }
            try mapping.finish(allowed: ["type", "name"] + kind.keys)
            let name = try mapping.value("name")?.string("name")
            // An anonymous concat (`name: ""`) puts its branches at the parent's level, as the zoo's Inception modules do.
            if let name, (name.isEmpty && kind.type != "concat") || name.contains(".") {
                throw (mapping.value("name") ?? item).error("layer names must be non-empty and contain no '.', found '\(name)'")
            }
            entries.append((kind, mapping, name, item))
        }
        var used = Set(entries.compactMap(\.name))
        var counters: [String: Int] = [:]
        var layers: [any Layer] = []
        for entry in entries {
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
            layers.append(try entry.kind.build(mapping, name, depth, &budget))
        }
        return layers
    }

    private static func unknownType(_ type: String, _ node: SpecNode) -> ConvKitError {
        node.error("unknown layer type '\(type)' (expected one of: \(kinds.map(\.type).joined(separator: ", ")))")
    }

    private static func padding(_ node: SpecNode?) throws -> Padding {
        guard let node else { return .valid }
        switch node.scalarText?.lowercased() {
        case "valid": return .valid
        case "same": return .same
        default: return .explicit(try node.size2("padding", allowZero: true))
        }
    }

    private static func window(_ m: SpecMapping, dilation: Bool) throws -> PoolingWindow {
        PoolingWindow(kernel: try m.required("kernel_size").size2("kernel_size"),
                      stride: try m.value("stride")?.size2("stride"),
                      padding: try m.value("padding")?.size2("padding", allowZero: true) ?? Size2(0),
                      dilation: dilation ? try m.value("dilation")?.size2("dilation") ?? Size2(1) : Size2(1),
                      ceilMode: try m.value("ceil_mode")?.bool("ceil_mode") ?? false)
    }

    private static func batchNorm(_ m: SpecMapping, _ name: String, _ dims: BatchNorm.Dimensions) throws -> BatchNorm {
        let eps = try m.value("eps")?.double("eps") ?? 1e-5
        guard eps > 0 else { throw (m.value("eps") ?? m.owner).error("eps must be positive, found \(eps)") }
        let momentum = try m.value("momentum")?.double("momentum") ?? 0.1
        guard (0...1).contains(momentum) else { throw (m.value("momentum") ?? m.owner).error("momentum must be in [0, 1], found \(momentum)") }
        return BatchNorm(name, dims, features: try m.value("num_features")?.positiveInt("num_features"),
                         epsilon: eps, momentum: momentum, affine: try m.value("affine")?.bool("affine") ?? true)
    }
}
