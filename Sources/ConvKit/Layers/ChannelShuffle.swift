import ConvKitKernels

/// Channel shuffle (Zhang et al. 2018, ShuffleNet): the `C` channels seen as `groups × (C/groups)`,
/// transposed to `(C/groups) × groups`, as PyTorch's `nn.ChannelShuffle(groups)` and torchvision's
/// `channel_shuffle`: output channel `j·groups + i` is input channel `i·(C/groups) + j`.
/// `C×H×W` in and out; C must be divisible by `groups`.
///
/// Costs: units only (a reindexing: no parameters, MACs or connections, like `flatten`).
/// Receptive field and positions unchanged. Backward: the inverse permutation of ∂L/∂y.
public struct ChannelShuffle: LeafLayer, InstantiableLayer {
    public var name: String
    /// Groups the channels are split into, ≥ 1.
    public var groups: Int
    public var kind: String { "ChannelShuffle" }
    public init(_ name: String, groups: Int) {
        self.name = name
        self.groups = groups
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        guard groups >= 1, input[0] % groups == 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "channel shuffle needs channels divisible by groups (\(groups)), found \(input[0]) channels")
        }
        return input
    }
    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost { try LayerCost.elementwise(output: output) }
    public func shapeFormula(input: Shape, output: Shape) -> [String] {
        ["channel j·\(groups) + i ← channel i·\(input[0] / max(groups, 1)) + j (\(groups) groups of \(input[0] / max(groups, 1)))"]
    }
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask { mask }

    /// The input channel of each output channel.
    static func order(channels: Int, groups: Int) -> [Int] {
        let perGroup = channels / groups
        return (0..<channels).map { output in (output % groups) * perGroup + output / groups }
    }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let shape = try outputShape(for: input, path: path)
        let order = Self.order(channels: shape[0], groups: groups)
        var inverse = order
        for (output, source) in order.enumerated() { inverse[source] = output }
        return PlanePermutationRuntime(path: path, input: shape, output: shape, forwardOrder: order, backwardOrder: inverse)
    }
}

/// Copies whole planes: output plane `o` of each image is input plane `forwardOrder[o]` (or zeros
/// where it is −1); backward the same with `backwardOrder` (the adjoint: the inverse permutation,
/// or for a channel slice the slice put back among zero planes).
final class PlanePermutationRuntime: StatelessRuntime {
    let path: String
    let input: Shape, output: Shape
    let forwardOrder: [Int], backwardOrder: [Int]
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])

    init(path: String, input: Shape, output: Shape, forwardOrder: [Int], backwardOrder: [Int]) {
        self.path = path
        self.input = input
        self.output = output
        self.forwardOrder = forwardOrder
        self.backwardOrder = backwardOrder
    }

    private func gather(_ x: Tensor, from source: Shape, to target: Shape, order: [Int], into buffer: inout Tensor) -> Tensor {
        let plane = target[1] * target[2]
        var y = reuse(&buffer, shape: [x.batch] + target.dimensions)
        for image in 0..<x.batch {
            for (o, c) in order.enumerated() {
                let at = (image * target[0] + o) * plane
                if c < 0 {
                    fillElements(&y.storage, at: at, count: plane, with: 0)
                } else {
                    copyElements(x.storage, from: (image * source[0] + c) * plane, into: &y.storage, at: at, count: plane)
                }
            }
        }
        return y
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        let y = gather(x, from: input, to: output, order: forwardOrder, into: &outputBuffer)
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        let dx = gather(dy, from: output, to: input, order: backwardOrder, into: &gradientBuffer)
        gradientBuffer = dx
        return dx
    }
}

extension ChannelShuffle: SpecKind {
    static let specType = "channelshuffle"
    static let specPrefix = "shuffle"
    static var specKeys: [SpecKey<ChannelShuffle>] {
        [.positiveInt("groups", \.groups, .required, doc: "groups the channels are split into (C divisible by it)")]
    }
    static func specBlank(named name: String) -> ChannelShuffle { ChannelShuffle(name, groups: 1) }
    static var specExample: (layer: ChannelShuffle, input: Shape) { (ChannelShuffle("shuffle", groups: 2), [6, 2, 3]) }
}
