import ConvKitKernels

/// Leaky ReLU (Maas et al. 2013), `y = x > 0 ? x : slope·x`, element-wise on any shape
/// (PyTorch's `nn.LeakyReLU(negative_slope=slope)`, default 0.01).
public struct LeakyReLU: ElementwiseLayer, ActivationLayer {
    public var name: String
    /// The slope for x ≤ 0 (any finite number; PyTorch's `negative_slope`).
    public var slope: Double
    public var kind: String { "LeakyReLU" }
    public init(_ name: String) { self.init(name, slope: 0.01) }
    public init(_ name: String, slope: Double) {
        self.name = name
        self.slope = slope
    }

    /// f′ = 1 where x > 0, else `slope`; kept in terms of the output when slope ≥ 0.
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        ActivationRuntime(path: path, shape: try outputShape(for: input, path: path), activation: .leakyRelu(slope: Float(slope)))
    }
}

extension LeakyReLU: SpecKind {
    static let specType = "leakyrelu"
    static let specPrefix = "leakyrelu"
    static var specKeys: [SpecKey<LeakyReLU>] {
        [.number("slope", \.slope, rule: { $0.isFinite ? nil : "must be finite, found \($0)" }, doc: "slope for x ≤ 0 (PyTorch's negative_slope)")]
    }
    static func specBlank(named name: String) -> LeakyReLU { LeakyReLU(name) }
    static var specExample: (layer: LeakyReLU, input: Shape) { (LeakyReLU("leakyrelu", slope: 0.2), [2, 3, 3]) }
}
