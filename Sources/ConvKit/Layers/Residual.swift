/// A residual block (He et al. 2016): `y = activation(body(x) + shortcut(x))`.
///
/// The body's layers are named directly under the block (`layer1.0.conv1`); the shortcut's
/// under ``shortcutName`` (`layer1.0.downsample.0`, torchvision's name for a projection);
/// an empty shortcut is the identity. The sum is an ``Add`` row named ``addName``, followed by
/// the optional activation. It is the same graph as writing the layers in a list and naming
/// the add's `inputs:` — the block is a convenience that expands into it.
public struct Residual: LayerBlock {
    /// The default name of the shortcut's layer list.
    public static let defaultShortcutName = "shortcut"
    /// The name of the sum's row inside the block.
    public static let addName = "add"

    public var name: String
    /// The residual branch, reading the block input.
    public var body: Sequential
    /// The shortcut, reading the block input; no layers means the identity.
    public var shortcut: Sequential
    /// The layer after the sum (usually ReLU), if any.
    public var activation: (any Layer)?
    public var kind: String { "Residual" }

    /// The shortcut's layer list name (``defaultShortcutName`` unless given).
    public var shortcutName: String { shortcut.name }

    /// `Residual("block", body: [conv, bn, relu, conv, bn], shortcut: [conv1x1, bn], activation: ReLU("relu"))`.
    public init(_ name: String, body: [any Layer], shortcut: [any Layer] = [], shortcutName: String = Residual.defaultShortcutName,
                activation: (any Layer)? = nil) {
        self.init(name, body: Sequential(name: "", body), shortcut: Sequential(name: shortcutName, shortcut), activation: activation)
    }

    /// The block from layer lists (the body's name is ignored: its layers sit at the block's level).
    public init(_ name: String, body: Sequential, shortcut: Sequential, activation: (any Layer)?) {
        self.name = name
        self.body = Sequential(name: "", body.layers, inputs: body.inputs)
        self.shortcut = shortcut
        self.activation = activation
    }

    /// Body, shortcut, and the activation as a list of zero or one layer.
    public var parts: [Sequential] {
        [body, shortcut, Sequential(name: "", activation.map { [$0] } ?? [])]
    }

    public func replacingParts(_ parts: [Sequential]) -> Residual {
        Residual(name, body: parts[0], shortcut: parts[1], activation: parts[2].layers.first)
    }

    /// Body and shortcut read the block input; the activation reads the sum (the body's output shape).
    public func inputOfPart(_ index: Int, blockInput: Shape, earlierOutputs: [Shape]) -> Shape {
        index < 2 ? blockInput : earlierOutputs[0]
    }

    public func expand(into graph: inout LayerGraph, inputs: [Int], path: String) throws -> Int {
        guard inputs.count == 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "a residual block reads one input, but \(inputs.count) are named")
        }
        guard !body.layers.isEmpty else {
            throw ConvKitError.invalidLayer(layer: path, reason: "a residual block needs at least one layer in its body")
        }
        // Body layers, the shortcut, the sum and the activation share the block's names.
        let names = body.layers.map(\.name) + [shortcutName, Self.addName] + (activation.map { [$0.name] } ?? [])
        var seen = Set<String>()
        if let clash = names.first(where: { !seen.insert($0).inserted }) {
            throw ConvKitError.invalidLayer(layer: joinPath(path, clash), reason: "this name is taken in the block by the shortcut, the sum or the activation")
        }
        let bodyOutput = try graph.add(body, path: path, input: inputs[0])
        let shortcutOutput = shortcut.layers.isEmpty ? inputs[0] : try graph.add(shortcut, path: joinPath(path, shortcutName), input: inputs[0])
        let sum = graph.addNode(Add(Self.addName), path: joinPath(path, Self.addName), inputs: [bodyOutput, shortcutOutput])
        guard let activation else { return sum }
        return try graph.add(Sequential(name: "", [activation]), path: path, input: sum)
    }
}

extension Residual: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try SequentialRuntime(graph: try LayerGraph(block: self, path: path), input: input, random: &random)
    }
}

extension Residual: SpecKind {
    static let specType = "residual"
    static let specPrefix = "residual"
    static func specBlank(named name: String) -> Residual { Residual(name, body: []) }
    static var specExample: (layer: Residual, input: Shape) {
        (Residual("block", body: [Conv2d("conv1", nil, 4, kernel: 3, stride: 2, padding: 1, bias: false), BatchNorm("bn1", .two), ReLU("relu1")],
                  shortcut: [Conv2d("0", nil, 4, kernel: 1, stride: 2, bias: false)], shortcutName: "downsample", activation: ReLU("relu")),
         [2, 6, 6])
    }
    static var specKeys: [SpecKey<Residual>] {
        [
            .layers("body", \.body, doc: "the residual branch, reading the block input; its layers are named under the block"),
            .layers("shortcut", \.shortcut, .optional, absent: "identity", doc: "layers on the shortcut (e.g. a 1×1 convolution and batch norm), named under `shortcut_name`"),
            .value("shortcut_name", \.shortcut.name, .optional, type: "string", doc: "the shortcut's name (`downsample` in torchvision)",
                   read: { node, what in
                       let text = try node.string(what)
                       guard !text.isEmpty, !text.contains(".") else { throw node.error("\(what) must be non-empty and contain no '.', found '\(text)'") }
                       return text
                   },
                   write: { JSONValue.string($0).serialized() }),
            SpecKey(name: "activation", requirement: .optional(default: "none"), typeText: "a layer type",
                    doc: "the layer after the sum (e.g. relu), named by its type",
                    decode: { node, block, context in
                        let type = try node.string("activation")
                        guard let kind = LayerKinds.kind(for: type), kind.bare, kind.type != Residual.specType else {
                            throw node.error("activation must be a layer type without required keys, e.g. relu, found '\(type)'")
                        }
                        block.activation = try kind.build(SpecMapping(owner: node, what: "activation", entries: []), kind.type, &context)
                    },
                    encode: { block in
                        guard let activation = block.activation, let kind = LayerKinds.kind(of: activation) else { return nil }
                        return .inline(kind.type)
                    }),
        ]
    }

    /// An activation whose name is not its type, or that has keys, has no spec form (the spec names it by its type).
    static func specProblem(_ block: Residual) -> String? {
        guard let activation = block.activation else { return nil }
        guard let kind = LayerKinds.kind(of: activation), kind.type == activation.name, kind.encode(activation).isEmpty else {
            return "the activation '\(activation.name)' (\(activation.kind)) has no spec form: the spec names it by its type, with no keys"
        }
        return nil
    }
}
