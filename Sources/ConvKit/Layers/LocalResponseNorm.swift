/// Local response normalization across channels (Krizhevsky et al. 2012, PyTorch's
/// `LocalResponseNorm`): `b_c = a_c / (k + α/n · Σ_{c'} a_{c'}²)^β` over the `n = size`
/// neighbouring channels `c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋` that exist.
///
/// Costs: no parameters or MACs; connections = Σ over output units of the channels in its
/// window (windows are clipped at the first and last channel).
public struct LocalResponseNorm: LeafLayer {
    public var name: String
    public var size: Int
    public var alpha: Double
    public var beta: Double
    public var k: Double
    public var kind: String { "LocalResponseNorm" }

    public init(_ name: String, size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) {
        self.name = name
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        guard input.rank >= 2 else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "C×H×W", found: input.description)
        }
        guard size > 0 else { throw ConvKitError.invalidLayer(layer: path, reason: "size must be positive, found \(size)") }
        return input
    }

    /// Number of channels in the window of each channel, clipped to `0..<channels` (a reference
    /// for tests; the cost uses ``windowLinks(channels:size:)``).
    static func windowLengths(channels: Int, size: Int) -> [Int] {
        (0..<channels).map { c in min(c + (size - 1) / 2, channels - 1) - max(c - size / 2, 0) + 1 }
    }

    /// Σ_c of the window lengths in closed form, without looping over the channels: counting by
    /// offset d from −⌊n/2⌋ to ⌊(n−1)/2⌋, each d links `max(0, C − |d|)` channel pairs, so the sum is
    /// `C + f(⌊n/2⌋) + f(⌊(n−1)/2⌋)` with `f(K) = K'·C − K'(K'+1)/2`, `K' = min(K, C − 1)`.
    static func windowLinks(channels: Int, size: Int) throws -> Int {
        func side(_ reach: Int) throws -> Int {
            let k = min(reach, channels - 1)
            let full = try Checked.multiply(k, channels, "LRN window links")
            // k(k+1)/2 ≤ k·C (k < C), so it fits once k·C does.
            return full - (k % 2 == 0 ? (k / 2) * (k + 1) : k * ((k + 1) / 2))
        }
        let total = try Checked.add(try side(size / 2), try side((size - 1) / 2), "LRN window links")
        return try Checked.add(channels, total, "LRN window links")
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let links = try Self.windowLinks(channels: input.dimensions[0], size: size)
        let spatial = try Checked.product(Array(input.dimensions.dropFirst()), "connections of \(path)")
        let connections = try Count.product([(spatial, spatial.grouped), (links, "\(links) window links")], "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    /// Output (i, j) reads input (i, j) of the neighbouring channels: the same position.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask { mask }
}

import Foundation

extension LocalResponseNorm: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        _ = try outputShape(for: input, path: path)
        return LocalResponseNormRuntime(path: path, shape: input, layer: self)
    }
}

/// y_c = x_c · s_c^(−β), s_c = k + (α/n)·Σ_{c′ ∈ W(c)} x_{c′}², W(c) = c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋ (clipped).
/// Backward: dx_i = dy_i·s_i^(−β) − (2αβ/n)·x_i·Σ_{j : i ∈ W(j)} dy_j·x_j·s_j^(−β−1).
final class LocalResponseNormRuntime: StatelessRuntime {
    let path: String
    let shape: Shape
    let layer: LocalResponseNorm
    private var savedInput = Tensor(shape: [0])
    private var scale: [Float] = []   // s per element

    init(path: String, shape: Shape, layer: LocalResponseNorm) {
        self.path = path
        self.shape = shape
        self.layer = layer
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(shape, path: path)
        let c = shape.dimensions[0], spatial = shape.dimensions.dropFirst().reduce(1, *)
        let (n, alphaOverSize, beta, k) = (layer.size, layer.alpha / Double(layer.size), layer.beta, layer.k)
        var y = Tensor(shape: x.shape)
        scale = [Float](repeating: 0, count: x.count)
        for image in 0..<x.batch {
            for channel in 0..<c {
                let low = max(channel - n / 2, 0), high = min(channel + (n - 1) / 2, c - 1)
                for i in 0..<spatial {
                    var sum = 0.0
                    for other in low...high { let v = Double(x.storage[(image * c + other) * spatial + i]); sum += v * v }
                    let s = k + alphaOverSize * sum
                    let index = (image * c + channel) * spatial + i
                    scale[index] = Float(s)
                    y.storage[index] = Float(Double(x.storage[index]) * Foundation.pow(s, -beta))
                }
            }
        }
        savedInput = x
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(shape, path: path)
        let x = savedInput
        let c = shape.dimensions[0], spatial = shape.dimensions.dropFirst().reduce(1, *)
        let (n, alphaOverSize, beta) = (layer.size, layer.alpha / Double(layer.size), layer.beta)
        var dx = Tensor(shape: dy.shape)
        for image in 0..<dy.batch {
            for channel in 0..<c {
                // Outputs j whose window contains `channel`: channel − ⌊(n−1)/2⌋ … channel + ⌊n/2⌋.
                let low = max(channel - (n - 1) / 2, 0), high = min(channel + n / 2, c - 1)
                for i in 0..<spatial {
                    let index = (image * c + channel) * spatial + i
                    var cross = 0.0
                    for j in low...high {
                        let other = (image * c + j) * spatial + i
                        cross += Double(dy.storage[other]) * Double(x.storage[other]) * Foundation.pow(Double(scale[other]), -beta - 1)
                    }
                    let direct = Double(dy.storage[index]) * Foundation.pow(Double(scale[index]), -beta)
                    dx.storage[index] = Float(direct - 2 * alphaOverSize * beta * Double(x.storage[index]) * cross)
                }
            }
        }
        return dx
    }
}

extension LocalResponseNorm: SpecKind {
    static let specType = "localresponsenorm"
    static let specAliases = ["lrn"]
    static let specPrefix = "lrn"
    static func specBlank(named name: String) -> LocalResponseNorm { LocalResponseNorm(name, size: 1) }
    static var specExample: (layer: LocalResponseNorm, input: Shape) {
        (LocalResponseNorm("lrn", size: 3, alpha: 2e-4, beta: 0.5, k: 2), [5, 3, 3])
    }
    static var specKeys: [SpecKey<LocalResponseNorm>] {
        [
            .positiveInt("size", \.size, .required, doc: "channels in each window"),
            .number("alpha", \.alpha, .optionalAlwaysWritten, doc: "scale α of the windowed sum of squares"),
            .number("beta", \.beta, .optionalAlwaysWritten, doc: "exponent β"),
            .number("k", \.k, .optionalAlwaysWritten, doc: "additive constant k"),
        ]
    }
}
