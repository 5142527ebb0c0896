import ConvKitKernels

/// Layers run one after another. Child names must be unique within it; a child's dotted
/// name is `sequential.child` (the top-level body of a model has an empty name).
public struct Sequential: Layer {
    public var name: String
    public var layers: [any Layer]
    public var kind: String { "Sequential" }

    public init(name: String, _ layers: [any Layer]) {
        self.name = name
        self.layers = layers
    }

    /// Throws if two children share a name (their parameters would collide).
    func checkUniqueNames(path: String) throws {
        var seen = Set<String>()
        for layer in layers where !seen.insert(layer.name).inserted {
            throw ConvKitError.invalidLayer(layer: path.isEmpty ? "(model)" : path, reason: "two layers are named '\(layer.name)'")
        }
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try checkUniqueNames(path: path)
        var shape = input
        for layer in layers { shape = try layer.outputShape(for: shape, path: joinPath(path, layer.name)) }
        return shape
    }

    public func analyze(_ state: AnalysisState, path: String, into rows: inout [SummaryRow]) throws -> AnalysisState {
        try checkUniqueNames(path: path)
        var state = state
        for layer in layers { state = try layer.analyze(state, path: joinPath(path, layer.name), into: &rows) }
        return state
    }
}

extension Sequential: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try checkUniqueNames(path: path)
        var shape = input
        var children: [any LayerRuntime] = []
        for layer in layers {
            let childPath = joinPath(path, layer.name)
            guard let instantiable = layer as? any InstantiableLayer else {
                throw ConvKitError.invalidLayer(layer: childPath, reason: "\(layer.kind) cannot be instantiated for training")
            }
            children.append(try instantiable.makeRuntime(input: shape, path: childPath, random: &random))
            shape = try layer.outputShape(for: shape, path: childPath)
        }
        return SequentialRuntime(children: children)
    }
}

/// Runs children in order; backward in reverse order.
final class SequentialRuntime: LayerRuntime, SavesActivations {
    let children: [any LayerRuntime]
    init(children: [any LayerRuntime]) { self.children = children }
    var parameters: [Parameter] { children.flatMap(\.parameters) }

    func releaseSavedActivations() {
        for child in children { (child as? any SavesActivations)?.releaseSavedActivations() }
    }

    /// In evaluation mode, batches larger than this run through all layers in slices of this
    /// many images, so that every layer's activations stay in cache (at batch 1000, LeNet-5's
    /// conv1 output alone is 19 MB). Each image's result does not depend on the slicing.
    static let evaluationSlice = 64
    private var sliceBuffer = Tensor(shape: [0])

    func forward(_ input: Tensor, _ context: inout RunContext) throws -> Tensor {
        if !context.training && input.batch > Self.evaluationSlice {
            return try forwardInSlices(input, &context)
        }
        // The previous pass's saved activations are replaced now; dropping them first lets
        // every layer reuse its output buffer in place.
        releaseSavedActivations()
        var x = input
        for child in children { x = try child.forward(x, &context) }
        return x
    }

    /// Evaluation-mode forward pass in slices of ``evaluationSlice`` images. What layers save
    /// for backward then describes the last slice only: backward is for training passes.
    private func forwardInSlices(_ input: Tensor, _ context: inout RunContext) throws -> Tensor {
        let n = input.batch
        let perImage = input.count / max(n, 1)
        let imageShape = Array(input.shape.dropFirst())
        var output = Tensor(shape: [0])
        var outPerImage = 0
        for start in stride(from: 0, to: n, by: Self.evaluationSlice) {
            let b = min(Self.evaluationSlice, n - start)
            releaseSavedActivations()
            var slice = reuse(&sliceBuffer, shape: [b] + imageShape)
            copyElements(input.storage, from: start * perImage, into: &slice.storage, at: 0, count: b * perImage)
            var x = slice
            // Kept for the next slice (the first layer holds it too, until released).
            sliceBuffer = slice
            slice = Tensor(shape: [0])
            for child in children { x = try child.forward(x, &context) }
            if start == 0 {
                outPerImage = x.count / b
                output = Tensor(shape: [n] + Array(x.shape.dropFirst()))
            }
            copyElements(x.storage, from: 0, into: &output.storage, at: start * outPerImage, count: b * outPerImage)
        }
        releaseSavedActivations()
        return output
    }

    func backward(_ gradient: Tensor, _ context: inout RunContext) throws -> Tensor {
        var g = gradient
        let wanted = context.needsInputGradient
        defer { context.needsInputGradient = wanted }
        for index in children.indices.reversed() {
            // Only the first child's input gradient is the sequence's own.
            context.needsInputGradient = index == children.startIndex ? wanted : true
            g = try children[index].backward(g, &context)
        }
        return g
    }
}

extension Sequential: SpecKind {
    static let specType = "sequential"
    static let specPrefix = "block"
    static func specBlank(named name: String) -> Sequential { Sequential(name: name, []) }
    static var specExample: (layer: Sequential, input: Shape) {
        (Sequential(name: "block", [Conv2d("conv1", 2, 3, kernel: 3, padding: 1), ReLU("relu1")]), [2, 5, 5])
    }
    static var specKeys: [SpecKey<Sequential>] { [.layers("layers", \.layers, doc: "the layers, run in order")] }
}
