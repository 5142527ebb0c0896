import ConvKitKernels

/// A named tensor of a network with its gradient: a trainable parameter (`conv1.weight`) or a
/// buffer (`bn1.running_mean`). Names and layouts follow PyTorch's `state_dict`.
public final class Parameter {
    /// How a checkpoint stores the values (`num_batches_tracked` is an integer in PyTorch).
    public enum StorageType: String, Sendable { case float32 = "F32", int64 = "I64" }
    /// Dotted name, e.g. `conv1.weight`.
    public let name: String
    public var value: Tensor
    /// ∂L/∂value, accumulated by `backward`; zero for buffers.
    public var gradient: Tensor
    /// `false` for buffers (running statistics), which optimizers leave alone.
    public let isTrainable: Bool
    public let storageType: StorageType
    /// Optional 0/1 mask of the same shape: entries where it is 0 stay 0 (partial connection tables).
    public let mask: [Float]?

    public init(name: String, value: Tensor, isTrainable: Bool = true, storageType: StorageType = .float32, mask: [Float]? = nil) {
        self.name = name
        self.value = value
        self.gradient = Tensor(shape: isTrainable ? value.shape : [0])
        self.isTrainable = isTrainable
        self.storageType = storageType
        self.mask = mask
    }
}

/// What a forward or backward pass needs besides the data.
public struct RunContext {
    /// Training mode (batch statistics, dropout active) or evaluation mode.
    public var training: Bool
    /// Threads kernels may use; results are bit-identical for the same value.
    public var threads: Int
    /// Source of dropout masks.
    public var random: RandomGenerator
    /// Whether `backward` must return ∂L/∂input. Training sets it to `false`: nothing uses the
    /// gradient with respect to the images, so the first layer may skip computing it (for
    /// LeNet-5 that is conv1's transposed GEMM and col2im, about a sixth of a training step) and
    /// return zeros. Containers pass `true` to every child but the first.
    public var needsInputGradient = true

    public init(training: Bool, threads: Int = 1, random: RandomGenerator = RandomGenerator(seed: 0)) {
        self.training = training
        self.threads = max(1, threads)
        self.random = random
    }
}

/// An instantiated layer: parameters plus forward and backward over a batch.
/// `forward` takes `[N, …]` (the layer's input shape with a batch dimension) and remembers what
/// `backward` needs; `backward` takes ∂L/∂output, accumulates parameter gradients and returns
/// ∂L/∂input.
public protocol LayerRuntime: AnyObject {
    /// Parameters and buffers in state_dict order.
    var parameters: [Parameter] { get }
    func forward(_ input: Tensor, _ context: inout RunContext) throws -> Tensor
    func backward(_ gradient: Tensor, _ context: inout RunContext) throws -> Tensor
}

/// A layer that can be instantiated with weights.
public protocol InstantiableLayer: Layer {
    /// Creates the runtime for input shape `input` (per example), initialising parameters
    /// from `random` (PyTorch's default schemes), naming them under `path`.
    func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime
}

/// Runtimes that hold no parameters.
protocol StatelessRuntime: LayerRuntime {}
extension StatelessRuntime {
    public var parameters: [Parameter] { [] }
}

/// `Kaiming-uniform(a = √5)` weights and `U(±1/√fan_in)` biases: PyTorch's default for conv and
/// linear layers. Both bounds reduce to `1/√fan_in`.
func pytorchDefaultUniform(count: Int, fanIn: Int, random: inout RandomGenerator) -> [Float] {
    let bound = Float(1.0 / Double(max(fanIn, 1)).squareRoot())
    return (0..<count).map { _ in random.uniform(-bound, bound) }
}

extension Tensor {
    /// Batch size (first dimension).
    var batch: Int { shape.first ?? 0 }
    /// Checks `[N] + perExample` and names the layer otherwise.
    func requireShape(_ perExample: Shape, path: String) throws {
        guard shape.count == perExample.rank + 1, Array(shape.dropFirst()) == perExample.dimensions else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "N×\(perExample)",
                                             found: shape.map(String.init).joined(separator: "×"))
        }
    }
}

/// Runtimes that remember activations between forward and backward. A container releases them
/// before its next forward pass, so that the buffers those activations live in (another layer's
/// output) are uniquely referenced again and can be reused in place instead of copied.
protocol SavesActivations: AnyObject {
    /// Forgets what the last forward pass saved for backward.
    func releaseSavedActivations()
}

/// Hands out the storage kept in `buffer` as a tensor of `shape` and leaves `buffer` empty; the
/// caller stores the result back when done, so a runtime's output and gradient buffers are
/// allocated once and reused across steps. Contents are unspecified unless `zeroed`. If some
/// other value still shares the storage, writing to it copies first (copy-on-write): still
/// correct, only slower.
func reuse(_ buffer: inout Tensor, shape: [Int], zeroed: Bool = false) -> Tensor {
    var tensor = buffer
    buffer = Tensor(shape: [0])
    let count = shape.reduce(1, *)
    if tensor.count == count, tensor.shape != shape {
        try? tensor.reshape(shape)
    } else if tensor.count != count {
        // Never shrink (a smaller last batch must not cost a reallocation for the next full one).
        if tensor.storage.capacity >= count {
            try? tensor.resize(to: shape)
        } else {
            tensor = Tensor(shape: shape)
            return tensor
        }
    }
    if zeroed { setToZero(&tensor.storage) }
    return tensor
}

/// A zero tensor of `shape`, allocated once and kept in `buffer`, for input gradients nobody
/// needs (``RunContext/needsInputGradient``). Never written here; a caller that modifies the
/// returned value gets its own copy.
func zeros(_ buffer: inout Tensor, shape: [Int]) -> Tensor {
    if buffer.shape != shape { buffer = Tensor(shape: shape) }
    return buffer
}

/// Below this many elements an element-wise layer runs on one thread: waking another costs more.
let parallelElementThreshold = 16_384

/// Chunks for an element-wise pass over `elements` values in `items` independent pieces (planes,
/// rows): `threads` when the pass is large enough, else 1. Element-wise results do not depend on
/// the split.
func elementwiseChunks(_ elements: Int, threads: Int, items: Int) -> Int {
    elements >= parallelElementThreshold ? max(1, min(threads, items)) : 1
}

/// A runtime that can apply an element-wise activation to its outputs as it writes them, so that
/// the activation layer that alone reads them need not make a pass of its own (a convolution's
/// ReLU: the direct convolution applies it in its store). ``SequentialRuntime`` pairs such a
/// runtime with an ``ActivationRuntime`` that is its only reader.
protocol ActivationEpilogue: LayerRuntime {
    /// Applies `activation` to every later output and returns `true`, or returns `false` (and
    /// changes nothing) when it cannot.
    func absorb(_ activation: ActivationKernel) -> Bool
}
