import ConvKitKernels

/// An instantiated architecture: its layers with weights, in PyTorch `state_dict` naming.
///
/// `forward` takes a batch `[N] + input` (NCHW float32) and returns logits `[N, classes]`;
/// `backward` takes ∂L/∂logits and accumulates ∂L/∂θ into every parameter's `gradient`.
public final class Network {
    public let architecture: Architecture
    /// Input shape of one example.
    public let input: Shape
    /// Output shape of one example.
    public let output: Shape
    /// Parameters and buffers in state_dict order (execution order, weight before bias).
    public let parameters: [Parameter]
    let root: any LayerRuntime
    /// Splits evaluation batches among replicas of `root`, one per thread (see ``DataParallel``).
    private lazy var dataParallel = DataParallel(root: root) { [architecture, input] in
        var random = RandomGenerator(seed: 0)
        return try architecture.body.makeRuntime(input: input, path: "", random: &random)
    }

    /// Instantiates `architecture` for `input` (its default when nil), initialising weights
    /// with PyTorch's default schemes from a generator seeded with `seed`.
    /// - Throws: besides shape errors, ``ConvKitError/resourceLimit(what:needed:available:)`` when
    ///   the weights and gradients (`2·params·4` bytes, counted exactly before anything is
    ///   allocated) exceed the available memory (``MemoryBudget``), and
    ///   ``ConvKitError/overflow(what:)`` when a count does not fit in 64 bits.
    public init(_ architecture: Architecture, input: Shape? = nil, seed: UInt64) throws {
        var random = RandomGenerator(seed: seed)
        let input = input ?? architecture.input
        self.architecture = architecture
        self.input = input
        self.output = try architecture.body.outputShape(for: input, path: "")
        try MemoryBudget.requireNetworkFits(try Summary(architecture, input: input))
        self.root = try architecture.body.makeRuntime(input: input, path: "", random: &random)
        self.parameters = root.parameters
        var seen = Set<String>()
        for p in parameters where !seen.insert(p.name).inserted {
            throw ConvKitError.invalidLayer(layer: p.name, reason: "two parameters share this name")
        }
    }

    /// Trainable parameters only (buffers excluded).
    public var trainableParameters: [Parameter] { parameters.filter(\.isTrainable) }

    /// The parameter or buffer with this state_dict name.
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// Logits for a batch `[N] + input`. In evaluation mode with several threads, batches of more
    /// than one slice are split among replicas of the network, one per thread (``DataParallel``).
    public func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: "network input")
        if let y = try dataParallel.forward(x, &context) { return y }
        return try root.forward(x, &context)
    }

    /// Back-propagates ∂L/∂output; returns ∂L/∂input.
    @discardableResult
    public func backward(_ gradient: Tensor, _ context: inout RunContext) throws -> Tensor {
        try root.backward(gradient, &context)
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for p in parameters where p.isTrainable {
            setToZero(&p.gradient.storage)
        }
    }
}
