/// Fully connected layer `y = W·x + b` on a feature vector; weight `[out, in]`, bias `[out]`.
///
/// Costs: weights = in·out; MACs = in·out; connections = MACs + out with a bias.
/// The input must be 1-D (insert a ``Flatten`` after convolutions).
public struct Linear: LeafLayer {
    public var name: String
    /// Expected input features; `nil` means "whatever the input has" (checked when given).
    public var inFeatures: Int?
    public var outFeatures: Int
    public var bias: Bool
    public var kind: String { "Linear" }

    public init(_ name: String, _ inFeatures: Int?, _ outFeatures: Int, bias: Bool = true) {
        self.name = name
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.bias = bias
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        guard input.rank == 1 else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "a feature vector (insert a flatten layer before it)", found: input.description)
        }
        if let expected = inFeatures, expected != input.dimensions[0] {
            throw ConvKitError.shapeMismatch(layer: path, expected: "\(expected) input features", found: "\(input.dimensions[0])")
        }
        guard outFeatures > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "out_features must be positive, found \(outFeatures)")
        }
        return [outFeatures]
    }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let units = Count(outFeatures, formula: outFeatures.grouped)
        let weights = try Count.product([outFeatures, input.dimensions[0]], "weights of \(path)")
        let macs = weights
        return LayerCost(units: units, weights: weights, biases: bias ? units : .zero, macs: macs,
                         connections: try LayerCost.weightedConnections(macs: macs, units: units, hasBias: bias))
    }

    /// Every output reads every input: no position rule.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        throw noPositionRule(kind, path: path)
    }
}

import ConvKitKernels

extension Linear: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        _ = try outputShape(for: input, path: path)
        let inputs = input.dimensions[0]
        let weight = Parameter(name: joinPath(path, "weight"),
                               value: try Tensor(shape: [outFeatures, inputs], values: pytorchDefaultUniform(count: outFeatures * inputs, fanIn: inputs, random: &random)))
        let biasParameter = bias ? Parameter(name: joinPath(path, "bias"),
                                             value: try Tensor(shape: [outFeatures], values: pytorchDefaultUniform(count: outFeatures, fanIn: inputs, random: &random))) : nil
        return LinearRuntime(path: path, inputs: inputs, outputs: outFeatures, weight: weight, bias: biasParameter)
    }
}

/// Y (N × O) = X (N × I) · Wᵀ + b; dW += dYᵀ · X; dX = dY · W; db += Σ_N dY (the fullyConnected kernels).
/// Output and input-gradient buffers are reused across steps.
final class LinearRuntime: LayerRuntime, SavesActivations {
    let path: String
    let inputs: Int, outputs: Int
    let weight: Parameter
    let bias: Parameter?
    private var savedInput = Tensor(shape: [0])
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])
    private var zeroGradient = Tensor(shape: [0])

    init(path: String, inputs: Int, outputs: Int, weight: Parameter, bias: Parameter?) {
        self.path = path
        self.inputs = inputs
        self.outputs = outputs
        self.weight = weight
        self.bias = bias
    }

    var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    func releaseSavedActivations() { savedInput = Tensor(shape: [0]) }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape([inputs], path: path)
        let n = x.batch
        var y = reuse(&outputBuffer, shape: [n, outputs])
        fullyConnectedForward(x.storage, weight: weight.value.storage, bias: bias?.value.storage, batch: n, inputs: inputs,
                              outputs: outputs, y: &y.storage, threads: context.threads)
        savedInput = x
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape([outputs], path: path)
        let n = dy.batch
        let x = savedInput
        // A layer without bias passes an empty bias gradient.
        var noBias: [Float] = []
        func parameterGradients(_ biasGradient: inout [Float]) {
            fullyConnectedParameterGradients(dy.storage, input: x.storage, batch: n, inputs: inputs, outputs: outputs,
                                             weightGradient: &weight.gradient.storage, biasGradient: &biasGradient,
                                             threads: context.threads)
        }
        if let bias { parameterGradients(&bias.gradient.storage) } else { parameterGradients(&noBias) }
        savedInput = Tensor(shape: [0])
        guard context.needsInputGradient else { return zeros(&zeroGradient, shape: [n, inputs]) }
        var dx = reuse(&gradientBuffer, shape: [n, inputs])
        fullyConnectedInputGradient(dy.storage, weight: weight.value.storage, batch: n, inputs: inputs, outputs: outputs,
                                    dx: &dx.storage, threads: context.threads)
        gradientBuffer = dx
        return dx
    }
}

extension Linear: SpecKind {
    static let specType = "linear"
    static let specAliases = ["fc", "dense"]
    static let specPrefix = "fc"
    static func specBlank(named name: String) -> Linear { Linear(name, nil, 1) }
    static var specExample: (layer: Linear, input: Shape) { (Linear("fc", 12, 5, bias: false), [12]) }
    static var specKeys: [SpecKey<Linear>] {
        [
            .checkedPositiveInt("in_features", \.inFeatures, doc: "input features, checked against the input when given"),
            .positiveInt("out_features", \.outFeatures, .required, doc: "output features"),
            .bool("bias", \.bias, doc: "adds a bias per output feature"),
        ]
    }
}

extension Linear {
    /// One bias addition per output element when the layer has a bias (torchinfo's and ptflops' count).
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        guard bias else { return [:] }
        return [.bias: try Count.units(of: output, "bias additions")]
    }
}
