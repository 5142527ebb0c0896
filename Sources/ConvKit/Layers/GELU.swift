import ConvKitKernels

/// Gaussian error linear unit (Hendrycks & Gimpel 2016), `y = x·Φ(x)` element-wise on any shape,
/// Φ the standard normal CDF: `½(1 + erf(x/√2))`, PyTorch's `nn.GELU()`; or, with
/// `approximate: tanh`, `½(1 + tanh(√(2/π)(x + 0.044715x³)))`, PyTorch's `nn.GELU(approximate='tanh')`.
/// The derivative `Φ(x) + x·φ(x)` is written in terms of the input, so the layer keeps a copy of it.
/// The kernels' erf and exp are within 2e-7 of the exact functions (ConvKitKernels/gelu.c).
public struct GELU: ElementwiseLayer, ActivationLayer {
    /// How Φ is computed.
    public enum Approximation: String, Sendable, CaseIterable {
        /// Through erf (exact).
        case none
        /// Through tanh.
        case tanh
    }

    public var name: String
    public var approximate: Approximation
    public var kind: String { "GELU" }
    public init(_ name: String) { self.init(name, approximate: .none) }
    public init(_ name: String, approximate: Approximation) {
        self.name = name
        self.approximate = approximate
    }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        ActivationRuntime(path: path, shape: try outputShape(for: input, path: path),
                          activation: approximate == .tanh ? .geluTanh : .gelu)
    }
}

extension GELU: SpecKind {
    static let specType = "gelu"
    static let specPrefix = "gelu"
    static var specKeys: [SpecKey<GELU>] {
        [.value("approximate", \.approximate, .optional, type: "none or tanh", doc: "Φ through erf (exact) or through tanh",
                read: { node, what in
                    guard let text = node.scalarText?.lowercased(), let value = Approximation(rawValue: text) else {
                        throw node.error("\(what) must be none or tanh")
                    }
                    return value
                }, write: \.rawValue)]
    }
    static func specBlank(named name: String) -> GELU { GELU(name) }
    static var specExample: (layer: GELU, input: Shape) { (GELU("gelu", approximate: .tanh), [2, 3, 3]) }
}
