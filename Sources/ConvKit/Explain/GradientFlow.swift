/// Gradient norms of every layer of a network at initialisation, on one batch: the evidence of
/// vanishing (or exploding) gradients.
///
/// One forward pass in training mode, softmax cross-entropy averaged over the batch, one backward
/// pass; then per leaf layer the L2 norms (square root of the sum of squares over all entries,
/// the whole batch included) of ∂L/∂W and ∂L/∂b (its `weight` and `bias` parameters; γ and β for
/// batch norm) and of ∂L/∂y, the gradient reaching its output.
public struct GradientFlow: Sendable {
    /// The activation of a generated MLP, or the replacement for a model's activations.
    public enum Activation: String, CaseIterable, Sendable {
        case sigmoid, tanh, relu, relu6, leakyrelu, gelu, silu, hardswish

        /// Parses a command-line value, listing the valid ones on error.
        public init(parsing text: String) throws {
            guard let value = Activation(rawValue: text.lowercased()) else {
                throw ConvKitError.invalidArgument(name: "--activation", reason: "'\(text)' is not one of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = value
        }

        func layer(_ name: String) -> any Layer {
            switch self {
            case .sigmoid: return Sigmoid(name)
            case .tanh: return Tanh(name)
            case .relu: return ReLU(name)
            case .relu6: return ReLU6(name)
            case .leakyrelu: return LeakyReLU(name)
            case .gelu: return GELU(name)
            case .silu: return SiLU(name)
            case .hardswish: return Hardswish(name)
            }
        }
    }

    /// How weights are initialised.
    public enum Initialisation: String, CaseIterable, Sendable {
        /// PyTorch's default: U(±1/√fan_in) for conv and linear weights and biases.
        case `default`
        /// The default with every conv/linear weight × 0.1 (biases unchanged).
        case small
        /// The default with every conv/linear weight × 10 (biases unchanged): saturates sigmoid and tanh.
        case large

        /// Parses a command-line value, listing the valid ones on error.
        public init(parsing text: String) throws {
            guard let value = Initialisation(rawValue: text.lowercased()) else {
                throw ConvKitError.invalidArgument(name: "--init", reason: "'\(text)' is not one of \(Initialisation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = value
        }

        /// The factor applied to weights of rank ≥ 2 (conv `[O, I, kh, kw]`, linear `[O, I]`).
        public var weightScale: Float {
            switch self {
            case .default: return 1
            case .small: return 0.1
            case .large: return 10
            }
        }
    }

    /// One leaf layer's norms; `nil` where the layer has no such parameter.
    public struct Row: Sendable {
        /// Dotted layer name.
        public var name: String
        /// Layer kind (`Linear`, `Sigmoid`…).
        public var kind: String
        /// Output shape of one example.
        public var output: Shape
        /// ‖∂L/∂W‖₂.
        public var weightGradientNorm: Double?
        /// ‖∂L/∂b‖₂.
        public var biasGradientNorm: Double?
        /// ‖∂L/∂y‖₂ over the whole batch.
        public var outputGradientNorm: Double
        /// Whether the layer is a convolution or linear layer (a weight of rank ≥ 2).
        public var isWeighted: Bool
    }

    /// The architecture measured (activations replaced where asked).
    public let architecture: Architecture
    /// Input shape of one example.
    public let input: Shape
    /// Batch size N.
    public let batch: Int
    /// The initialisation used.
    public let initialisation: Initialisation
    /// Initialisation seed.
    public let seed: UInt64
    /// Where the batch came from.
    public let source: String
    /// The mean cross-entropy of the batch.
    public let loss: Double
    /// One row per leaf layer, in execution order.
    public let rows: [Row]

    /// The first and last convolution/linear layers, whose weight-gradient norms are compared.
    public var firstWeighted: Row? { rows.first(where: \.isWeighted) }
    /// The last convolution/linear layer.
    public var lastWeighted: Row? { rows.last(where: \.isWeighted) }
    /// ‖∂L/∂W‖ of the last weighted layer divided by that of the first (`nil` when undefined).
    public var lastToFirstRatio: Double? {
        guard let first = firstWeighted?.weightGradientNorm, let last = lastWeighted?.weightGradientNorm, first > 0 else { return nil }
        return last / first
    }

    /// Measures `architecture` (for `input`, its default when `nil`) on `batch`.
    /// - Parameters:
    ///   - seed: initialisation seed (as `Network`); dropout masks use `seed + 1`.
    ///   - threads: kernel threads; the result is bit-identical for the same value.
    /// - Throws: ``ConvKitError`` when the model does not end in a vector of class scores, the
    ///   batch does not fit it, or a layer cannot be instantiated.
    public init(_ architecture: Architecture, input: Shape? = nil, batch: GradientBatch, initialisation: Initialisation = .default,
                seed: UInt64 = 1, threads: Int = 1) throws {
        let input = input ?? architecture.input
        let probed = try GradientProbe.wrap(architecture, input: input)
        let network = try Network(probed, input: input, seed: seed)
        guard network.output.rank == 1 else {
            throw ConvKitError.invalidArgument(name: "MODEL_OR_SPEC", reason: "\(architecture.name) ends in \(network.output), not a vector of class scores: softmax cross-entropy needs one")
        }
        for parameter in network.trainableParameters where parameter.value.shape.count >= 2 && initialisation != .default {
            let scale = initialisation.weightScale
            for i in 0..<parameter.value.count { parameter.value.storage[i] *= scale }
        }
        var context = RunContext(training: true, threads: threads, random: RandomGenerator(seed: seed &+ 1))
        let logits = try network.forward(batch.inputs, &context)
        let (loss, gradient, _) = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: batch.labels)
        network.zeroGradients()
        try network.backward(gradient, &context)

        func norm(_ values: [Float]) -> Double { values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        rows = GradientProbe.probes(in: network.root).map { probe in
            let trainable = probe.parameters.filter(\.isTrainable)
            let weight = trainable.first { $0.name.hasSuffix("weight") }
            let bias = trainable.first { $0.name.hasSuffix("bias") }
            return Row(name: probe.path, kind: probe.kind, output: probe.output,
                       weightGradientNorm: weight.map { norm($0.gradient.storage) }, biasGradientNorm: bias.map { norm($0.gradient.storage) },
                       outputGradientNorm: norm(probe.outputGradient.storage), isWeighted: (weight?.value.shape.count ?? 0) >= 2)
        }
        self.architecture = architecture
        self.input = input
        self.batch = batch.labels.count
        self.initialisation = initialisation
        self.seed = seed
        self.source = batch.source
        self.loss = loss
    }

    /// A multilayer perceptron of `depth` linear layers: `flatten`, then `fc1 … fc(depth−1)` of
    /// `width` units each followed by the activation (`act1` …), then `fc{depth}` to `classes`.
    public static func mlp(depth: Int, width: Int, activation: Activation, input: Shape, classes: Int) throws -> Architecture {
        guard depth >= 1, depth <= 1000 else {
            throw ConvKitError.invalidArgument(name: "--depth", reason: "must be between 1 and 1000 linear layers, found \(depth)")
        }
        guard width >= 1 else { throw ConvKitError.invalidArgument(name: "--width", reason: "must be positive, found \(width)") }
        guard classes >= 1 else { throw ConvKitError.invalidArgument(name: "--classes", reason: "must be positive, found \(classes)") }
        var layers: [any Layer] = [Flatten("flatten")]
        for index in 1..<depth {
            layers.append(Linear("fc\(index)", nil, width))
            layers.append(activation.layer("act\(index)"))
        }
        layers.append(Linear("fc\(depth)", nil, classes))
        return Architecture(name: "mlp-\(depth)x\(width)-\(activation.rawValue)", input: input, layers: layers,
                            notes: ["\(depth) linear layers, \(depth - 1) hidden of width \(width) with \(activation.rawValue)"])
    }

    /// `architecture` with every activation layer (``ActivationLayer``) replaced by `activation` (same names).
    /// - Returns: the new architecture and how many activations were replaced.
    public static func replacingActivations(_ architecture: Architecture, with activation: Activation, input: Shape? = nil) throws -> (Architecture, Int) {
        var replaced = 0
        let (body, _) = try LayerTree.map(architecture.body, input: input ?? architecture.input, path: "") { site in
            guard site.layer is any ActivationLayer else { return nil }
            replaced += 1
            return [activation.layer(site.layer.name)]
        }
        var result = architecture
        result.body = body
        result.name += "+\(activation.rawValue)"
        return (result, replaced)
    }
}
