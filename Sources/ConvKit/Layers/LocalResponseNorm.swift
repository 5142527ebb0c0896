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

    /// Number of channels in the window of each channel, clipped to `0..<channels`.
    static func windowLengths(channels: Int, size: Int) -> [Int] {
        (0..<channels).map { c in min(c + (size - 1) / 2, channels - 1) - max(c - size / 2, 0) + 1 }
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let links = Self.windowLengths(channels: input.dimensions[0], size: size).reduce(0, +)
        let spatial = try Checked.product(Array(input.dimensions.dropFirst()), "connections of \(path)")
        let connections = try Count.product([(spatial, spatial.grouped), (links, "\(links) window links")], "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }
}
