import ConvKitKernels

/// A layer that maps each input element to one output element of the same shape
/// (activations, dropout). Cost: units only, no parameters, no connections (it belongs to
/// the units it follows, as LeCun's squashing function does); receptive field unchanged.
public protocol ElementwiseLayer: LeafLayer {}

extension ElementwiseLayer {
    public func outputShape(for input: Shape, path: String) throws -> Shape { input }
    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        try LayerCost.elementwise(output: output)
    }
    /// Output (i, j) reads input (i, j).
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask { mask }
}

/// An element-wise nonlinearity (ReLU, Sigmoid, Tanh, …). Rewrites that insert an activation
/// between layers make one of the same kind as the network's, through this protocol.
public protocol ActivationLayer: ElementwiseLayer, InstantiableLayer {
    /// The activation named `name`.
    init(_ name: String)
}

/// An activation written as `y = f(x)` with a derivative expressible from the output `y`,
/// computed by the kernel named by ``activation``.
protocol ActivationFunction: ActivationLayer {
    /// The kernel pair: y = f(x) element-wise, and dx = dy · f′(x) with f′ written in terms of y.
    static var activation: ActivationKernel { get }
}

extension ActivationFunction {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        ActivationRuntime(path: path, shape: try outputShape(for: input, path: path), activation: Self.activation)
    }
}

/// Runs an activation's kernels; keeps what backward needs: the output, or the input for kernels
/// whose derivative is written in terms of it (``ActivationKernel/derivativeReadsInput``, GELU).
/// The output and gradient buffers are reused across steps.
final class ActivationRuntime: StatelessRuntime, SavesActivations {
    let path: String
    let shape: Shape
    let activation: ActivationKernel
    /// Whether the layer before has applied the activation already (``ActivationEpilogue``):
    /// forward then passes its input on and keeps it for backward.
    private(set) var inputIsActivated = false
    /// The last output: backward's input unless the derivative reads x, and the buffer the next forward reuses.
    private var savedOutput = Tensor(shape: [0])
    /// A copy of the last input, kept only when the derivative reads it.
    private var savedInput = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])
    init(path: String, shape: Shape, activation: ActivationKernel) {
        self.path = path
        self.shape = shape
        self.activation = activation
    }

    /// Lets the layer before apply the activation (see ``ActivationEpilogue``) when it can.
    func letApply(_ producer: any ActivationEpilogue) {
        if !activation.derivativeReadsInput && producer.absorb(activation) { inputIsActivated = true }
    }

    /// Forgets the input kept as the output when the layer before applied the activation, so that
    /// the buffer it lives in (the layer before's output) is uniquely referenced again.
    func releaseSavedActivations() {
        if inputIsActivated { savedOutput = Tensor(shape: [0]) }
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(shape, path: path)
        if inputIsActivated {
            savedOutput = x
            return x
        }
        var y = reuse(&savedOutput, shape: x.shape)
        let chunks = elementwiseChunks(x.count, threads: context.threads, items: x.count)
        activationForward(activation, x.storage, y: &y.storage, chunks: chunks, threads: context.threads)
        savedOutput = y
        if activation.derivativeReadsInput {
            // A copy, not a second reference: the layer before reuses its output buffer in place next step.
            var copy = reuse(&savedInput, shape: x.shape)
            copyElements(x.storage, from: 0, into: &copy.storage, at: 0, count: x.count)
            savedInput = copy
        }
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(shape, path: path)
        var dx = reuse(&gradientBuffer, shape: dy.shape)
        let chunks = elementwiseChunks(dy.count, threads: context.threads, items: dy.count)
        let saved = activation.derivativeReadsInput ? savedInput : savedOutput
        activationBackward(activation, saved: saved.storage, dy.storage, dx: &dx.storage, chunks: chunks,
                           threads: context.threads)
        gradientBuffer = dx
        return dx
    }
}

extension ActivationLayer {
    /// ptflops' count: one per output element.
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] {
        [.act: try Count.units(of: output, "activations")]
    }
}
