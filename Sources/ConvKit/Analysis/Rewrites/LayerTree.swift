/// One leaf layer in its context, as ``LayerTree/map(_:input:path:_:)`` shows it to a rewrite.
struct LeafSite {
    /// The leaf as it is in the original architecture.
    let layer: any LeafLayer
    /// Its input shape in the *rewritten* network (earlier replacements already applied).
    let input: Shape
    /// Its dotted path in the original architecture (e.g. `branch2.conv3x3`).
    let path: String
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

/// Generic walks over an architecture's tree of layers (``Sequential`` and ``Concat`` children),
/// written once and shared by every rewrite.
enum LayerTree {
    /// Rebuilds `sequential`, replacing each leaf by the layers `transform` returns (`nil` keeps
    /// it). Shapes are threaded through the *rewritten* layers with `outputShape(for:path:)`, so a
    /// transform sees the input its replacement will get, and every replacement is shape-checked.
    /// Returns the new sequential and its output shape.
    static func map(_ sequential: Sequential, input: Shape, path: String,
                    _ transform: (LeafSite) throws -> [any Layer]?) throws -> (Sequential, Shape) {
        var shape = input
        var layers: [any Layer] = []
        let names = NameAllocator(taken: sequential.layers.map(\.name))
        let children = sequential.layers
        for (index, child) in children.enumerated() {
            let childPath = joinPath(path, child.name)
            let replacement: [any Layer]
            if let nested = child as? Sequential {
                let (mapped, output) = try map(nested, input: shape, path: childPath, transform)
                layers.append(mapped)
                shape = output
                continue
            } else if let concat = child as? Concat {
                var branches: [Sequential] = []
                for branch in concat.branches {
                    branches.append(try map(branch, input: shape, path: joinPath(childPath, branch.name), transform).0)
                }
                replacement = [Concat(name: concat.name, branches: branches)]
            } else if let leaf = child as? any LeafLayer {
                let site = LeafSite(layer: leaf, input: shape, path: childPath,
                                    next: index + 1 < children.count ? children[index + 1] : nil,
                                    afterNext: index + 2 < children.count ? children[index + 2] : nil,
                                    names: names)
                replacement = try transform(site) ?? [leaf]
            } else {
                replacement = [child]
            }
            for layer in replacement {
                shape = try layer.outputShape(for: shape, path: joinPath(path, layer.name))
                layers.append(layer)
            }
        }
        let rebuilt = Sequential(name: sequential.name, layers)
        try rebuilt.checkUniqueNames(path: path)
        return (rebuilt, shape)
    }

    /// Folds `visit` over every leaf in execution order with a state that flows like an
    /// activation: through a ``Sequential`` in order, and into every ``Concat`` branch from the
    /// same state, the branch results merged with `join`. The state carries the input shape of
    /// each leaf in the original network.
    static func fold<State>(_ layer: any Layer, _ state: State, shape: Shape, path: String,
                            visit: (any LeafLayer, State, Shape, String) throws -> State,
                            join: ([State]) -> State) throws -> (State, Shape) {
        if let sequential = layer as? Sequential {
            var state = state, shape = shape
            for child in sequential.layers {
                (state, shape) = try fold(child, state, shape: shape, path: joinPath(path, child.name), visit: visit, join: join)
            }
            return (state, shape)
        }
        if let concat = layer as? Concat {
            var states: [State] = []
            for branch in concat.branches {
                states.append(try fold(branch, state, shape: shape, path: joinPath(path, branch.name), visit: visit, join: join).0)
            }
            return (join(states), try concat.outputShape(for: shape, path: path))
        }
        let output = try layer.outputShape(for: shape, path: path)
        if let leaf = layer as? any LeafLayer { return (try visit(leaf, state, shape, path), output) }
        return (state, output)
    }

    /// Whether `layer` is or contains a leaf satisfying `predicate`.
    static func contains(_ layer: any Layer, where predicate: (any LeafLayer) -> Bool) -> Bool {
        if let sequential = layer as? Sequential { return sequential.layers.contains { contains($0, where: predicate) } }
        if let concat = layer as? Concat { return concat.branches.contains { contains($0, where: predicate) } }
        if let leaf = layer as? any LeafLayer { return predicate(leaf) }
        return false
    }

    /// All leaves of `layer` in execution order.
    static func leaves(_ layer: any Layer) -> [any LeafLayer] {
        if let sequential = layer as? Sequential { return sequential.layers.flatMap(leaves) }
        if let concat = layer as? Concat { return concat.branches.flatMap(leaves) }
        if let leaf = layer as? any LeafLayer { return [leaf] }
        return []
    }
}

/// The element-wise activation to put between layers a rewrite inserts: the kind of the
/// activation that follows the original layer (looking past one batch norm) when it is ReLU,
/// Tanh or Sigmoid, else ReLU.
enum InsertedActivation {
    static func make(after site: LeafSite, name: String) -> any Layer {
        var candidate = site.next
        if candidate is BatchNorm { candidate = site.afterNext }
        switch candidate {
        case is Tanh: return Tanh(name)
        case is Sigmoid: return Sigmoid(name)
        default: return ReLU(name)
        }
    }

    /// The lower-case suffix for the activation's name (`relu`, `tanh`, `sigmoid`).
    static func suffix(after site: LeafSite) -> String {
        make(after: site, name: "").kind.lowercased()
    }
}
