/// One leaf layer in its context, as ``LayerTree/map(_:input:path:_:)`` shows it to a rewrite.
struct LeafSite {
    /// The leaf as it is in the original architecture.
    let layer: any LeafLayer
    /// Its input shape in the *rewritten* network (earlier replacements already applied); a
    /// merge's first input.
    let input: Shape
    /// Every input's shape (one, except for a merge).
    let inputs: [Shape]
    /// Its dotted path in the original architecture (e.g. `branch2.conv3x3`).
    let path: String
    /// The sibling before it in its ``Sequential`` (the original one), if any.
    let previous: (any Layer)?
    /// The sibling after it in its ``Sequential`` (the original one), if any.
    let next: (any Layer)?
    /// The sibling after `next`, if any (to look past a batch norm for an activation).
    let afterNext: (any Layer)?
    /// Hands out layer names that are unique within the enclosing ``Sequential``.
    let names: NameAllocator
}

/// Names unique within one ``Sequential``: the original children's names are taken, and every
/// name handed out is recorded, so `conv2` → `conv2_a` never collides with an existing layer.
final class NameAllocator {
    private var taken: Set<String>

    init(taken: [String]) { self.taken = Set(taken) }

    /// `base`, or `base_2`, `base_3`, … if `base` is taken.
    func fresh(_ base: String) -> String {
        var name = base
        var counter = 2
        while taken.contains(name) {
            name = "\(base)_\(counter)"
            counter += 1
        }
        taken.insert(name)
        return name
    }

    /// Records a kept name (the original layer's name when a rewrite keeps it).
    func reserve(_ name: String) { taken.insert(name) }
}

/// The walks that keep an architecture's structure — rebuilding it leaf by leaf, finding
/// leaves — written once over ``Sequential`` lists and ``LayerBlock`` parts and shared by every
/// rewrite, `--batch-norm`/`--dropout` and the gradient probes. Walks that follow the data
/// (shapes, costs, training, receptive fields) use ``LayerGraph``. Nothing else looks inside
/// blocks, so a new block kind is handled everywhere once it declares its parts.
enum LayerTree {
    /// Rebuilds `sequential`, replacing each leaf by the layers `transform` returns (`nil` keeps
    /// it). Shapes are threaded through the *rewritten* layers, so a transform sees the input its
    /// replacement will get, and every replacement is shape-checked. A leaf replaced by several
    /// layers hands its `inputs:` to the first of them, and layers that read it read the last.
    /// Returns the new sequential and its output shape.
    /// With `checkShapes` false, no shape is computed (sites see empty shapes): for edits that
    /// need none.
    static func map(_ sequential: Sequential, input: Shape, path: String, checkShapes: Bool = true,
                    _ transform: (LeafSite) throws -> [any Layer]?) throws -> (Sequential, Shape) {
        var shapes: [String: Shape] = [:]
        var previousShape = input
        var layers: [any Layer] = []
        var links: [String: [String]] = [:]
        /// Original child name → the name that now produces its output.
        var renamed: [String: String] = [:]
        let names = NameAllocator(taken: sequential.layers.map(\.name))
        let children = sequential.layers
        func shape(of name: String) -> Shape? { name == Sequential.inputName ? input : shapes[renamed[name] ?? name] }
        for (index, child) in children.enumerated() {
            let childPath = joinPath(path, child.name)
            let named = sequential.inputs[child.name].map { $0.map { renamed[$0] ?? $0 } }
            // Unknown names are left for the graph to report with its message.
            let inputShapes = named.map { $0.compactMap(shape(of:)) } ?? [previousShape]
            let childInput = inputShapes.first ?? previousShape
            let replacement: [any Layer]
            if let nested = child as? Sequential {
                replacement = [try map(nested, input: childInput, path: childPath, checkShapes: checkShapes, transform).0]
            } else if let block = child as? any LayerBlock {
                replacement = [try mapBlock(block, input: childInput, path: childPath, checkShapes: checkShapes, transform)]
            } else if let leaf = child as? any LeafLayer {
                let site = LeafSite(layer: leaf, input: childInput, inputs: inputShapes, path: childPath,
                                    previous: index > 0 ? children[index - 1] : nil,
                                    next: index + 1 < children.count ? children[index + 1] : nil,
                                    afterNext: index + 2 < children.count ? children[index + 2] : nil,
                                    names: names)
                replacement = try transform(site) ?? [leaf]
            } else {
                replacement = [child]
            }
            for (position, layer) in replacement.enumerated() {
                if position == 0, let named { links[layer.name] = named }
                let layerShapes = position == 0 ? inputShapes : [previousShape]
                if checkShapes { previousShape = try outputShape(of: layer, inputs: layerShapes, path: joinPath(path, layer.name)) }
                shapes[layer.name] = previousShape
                if checkShapes, layerShapes.count == 1 { try recordInnerShapes(of: layer, input: layerShapes[0], into: &shapes) }
                layers.append(layer)
            }
            if let last = replacement.last, last.name != child.name { renamed[child.name] = last.name }
        }
        let rebuilt = Sequential(name: sequential.name, layers, inputs: links)
        try rebuilt.checkUniqueNames(path: path)
        return (rebuilt, previousShape)
    }

    /// The output shapes of the nodes inside a block or sequential, by their dotted names relative
    /// to the list (`split.1`), which later layers of the list may read.
    private static func recordInnerShapes(of layer: any Layer, input: Shape, into shapes: inout [String: Shape]) throws {
        guard let graph = try LayerGraph.inside(layer, path: layer.name) else { return }
        for (node, shape) in zip(graph.nodes, try graph.shapes(for: input)) where shapes[node.path] == nil {
            shapes[node.path] = shape
        }
    }

    /// The output shape of one (possibly merging) layer for the given input shapes.
    private static func outputShape(of layer: any Layer, inputs: [Shape], path: String) throws -> Shape {
        if let merge = layer as? any MergeLayer { return try merge.outputShape(for: inputs, path: path) }
        if let block = layer as? any LayerBlock { return try block.outputShape(forInputs: inputs, path: path) }
        return try layer.outputShape(for: inputs.first ?? [], path: path)
    }

    /// Rebuilds a block part by part (each part mapped with the input the block gives it).
    private static func mapBlock(_ block: any LayerBlock, input: Shape, path: String, checkShapes: Bool,
                                 _ transform: (LeafSite) throws -> [any Layer]?) throws -> any LayerBlock {
        var parts: [Sequential] = []
        var outputs: [Shape] = []
        for (index, part) in block.parts.enumerated() {
            let partInput = block.inputOfPart(index, blockInput: input, earlierOutputs: outputs)
            let (mapped, output) = try map(part, input: partInput, path: joinPath(path, part.name), checkShapes: checkShapes, transform)
            parts.append(mapped)
            outputs.append(output)
        }
        return block.replacingParts(parts)
    }

    /// Folds `visit` over every leaf in execution order with a state that flows like an
    /// activation (see ``LayerGraph/fold(_:input:visit:)``): each leaf gets the states of its
    /// inputs, a merge one per input.
    static func fold<State>(_ body: Sequential, _ state: State, input: Shape,
                            visit: (any LeafLayer, [State], [Shape], String) throws -> State) throws -> State {
        try LayerGraph(body).fold(state, input: input, visit: visit)
    }

    /// The lists inside `layer`: a sequential's own layers, a block's parts' layers.
    private static func children(_ layer: any Layer) -> [any Layer] {
        if let sequential = layer as? Sequential { return sequential.layers }
        if let block = layer as? any LayerBlock { return block.parts.flatMap(\.layers) }
        return []
    }

    /// Whether `layer` is or contains a leaf satisfying `predicate`.
    static func contains(_ layer: any Layer, where predicate: (any LeafLayer) -> Bool) -> Bool {
        if let leaf = layer as? any LeafLayer { return predicate(leaf) }
        return children(layer).contains { contains($0, where: predicate) }
    }

    /// All leaves of `layer` in the order they are written (execution order).
    static func leaves(_ layer: any Layer) -> [any LeafLayer] {
        if let leaf = layer as? any LeafLayer { return [leaf] }
        return children(layer).flatMap(leaves)
    }
}

/// The element-wise activation to put between layers a rewrite inserts: the kind of the
/// activation that follows the original layer (looking past one batch norm) when there is one,
/// else ReLU.
enum InsertedActivation {
    static func make(after site: LeafSite, name: String) -> any Layer {
        var candidate = site.next
        if candidate is BatchNorm { candidate = site.afterNext }
        if let activation = candidate as? any ActivationLayer { return type(of: activation).init(name) }
        return ReLU(name)
    }

    /// The lower-case suffix for the activation's name (`relu`, `tanh`, `sigmoid`).
    static func suffix(after site: LeafSite) -> String {
        make(after: site, name: "").kind.lowercased()
    }
}
