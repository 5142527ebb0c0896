import ConvKitKernels

/// A channel split into `chunks` equal parts (torchvision ShuffleNet v2's `x.chunk(2, dim=1)`):
/// `C×H×W` to `chunks` tensors of `(C/chunks)×H×W`, chunk k holding channels `k·C/chunks ..<
/// (k+1)·C/chunks`. The chunks are graph nodes named `name.0`, `name.1`, …; later layers read them
/// by those names in `inputs:`. A layer after the split that names no inputs reads `name.0`.
///
/// Costs: one summary row per chunk with its units (a slice: no parameters, MACs or connections).
/// Receptive field and positions unchanged. Backward: each chunk's gradient in its channels, zeros
/// elsewhere; where several chunks are read, the graph sums them into ∂L/∂x.
public struct Split: LayerBlock, InstantiableLayer {
    public var name: String
    /// Number of equal chunks, ≥ 1; the channel count must be divisible by it.
    public var chunks: Int
    public var kind: String { "Split" }
    public init(_ name: String, chunks: Int) {
        self.name = name
        self.chunks = chunks
    }

    public var parts: [Sequential] { [] }
    public func replacingParts(_ parts: [Sequential]) -> Split { self }
    public func inputOfPart(_ index: Int, blockInput: Shape, earlierOutputs: [Shape]) -> Shape { blockInput }

    public func expand(into graph: inout LayerGraph, inputs: [Int], path: String) throws -> Int {
        guard inputs.count == 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "split reads one input, but \(inputs.count) are named")
        }
        guard chunks >= 1 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "split needs at least one chunk, found \(chunks)")
        }
        let nodes = (0..<chunks).map { index in
            graph.addNode(ChannelChunk(name: String(index), index: index, chunks: chunks), path: joinPath(path, String(index)), inputs: inputs)
        }
        return nodes[0]
    }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try SequentialRuntime(graph: try LayerGraph(block: self, path: path), input: input, random: &random)
    }
}

/// Chunk `index` of a ``Split`` into `chunks`: channels `index·C/chunks ..< (index+1)·C/chunks`.
struct ChannelChunk: LeafLayer, InstantiableLayer {
    var name: String
    var index: Int
    var chunks: Int
    var kind: String { "Split" }

    func outputShape(for input: Shape, path: String) throws -> Shape {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        guard chunks >= 1, input[0] % chunks == 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "split into \(chunks) needs channels divisible by \(chunks), found \(input[0])")
        }
        return [input[0] / chunks, input[1], input[2]]
    }
    func cost(input: Shape, output: Shape, path: String) throws -> LayerCost { try LayerCost.elementwise(output: output) }
    func shapeFormula(input: Shape, output: Shape) -> [String] {
        ["channels \(index * output[0]) ..< \((index + 1) * output[0]) of \(input[0]) (chunk \(index) of \(chunks))"]
    }
    func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask { mask }

    func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        let first = index * output[0]
        let forward = (0..<output[0]).map { first + $0 }
        let backward = (0..<input[0]).map { $0 >= first && $0 < first + output[0] ? $0 - first : -1 }
        return PlanePermutationRuntime(path: path, input: input, output: output, forwardOrder: forward, backwardOrder: backward)
    }
}

extension Split: SpecKind {
    static let specType = "split"
    static let specPrefix = "split"
    static var specKeys: [SpecKey<Split>] {
        [.positiveInt("chunks", \.chunks, .required, doc: "equal channel chunks, read as NAME.0, NAME.1, …")]
    }
    static func specBlank(named name: String) -> Split { Split(name, chunks: 1) }
    static var specExample: (layer: Split, input: Shape) { (Split("split", chunks: 2), [4, 2, 3]) }
}
