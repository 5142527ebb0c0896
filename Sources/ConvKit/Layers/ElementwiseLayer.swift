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
}

/// An activation written as `y = f(x)` with a derivative expressible from the output `y`.
protocol ActivationFunction: ElementwiseLayer {
    /// y = f(x), element-wise.
    static func apply(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>)
    /// dx = dy · f′(x), with f′ written in terms of y.
    static func gradient(_ y: UnsafeBufferPointer<Float>, _ dy: UnsafeBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>)
}

extension ActivationFunction {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        ActivationRuntime<Self>(path: path, shape: try outputShape(for: input, path: path))
    }
}

/// Runs an ``ActivationFunction``; keeps the output for backward.
/// The output (saved for backward) and gradient buffers are reused across steps.
final class ActivationRuntime<Function: ActivationFunction>: StatelessRuntime {
    let path: String
    let shape: Shape
    /// The last output: backward's input, and the buffer the next forward reuses.
    private var savedOutput = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])
    init(path: String, shape: Shape) {
        self.path = path
        self.shape = shape
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(shape, path: path)
        var y = reuse(&savedOutput, shape: x.shape)
        let count = x.count
        let chunks = elementwiseChunks(count, threads: context.threads, items: count)
        x.storage.withUnsafeBufferPointer { xs in
            y.storage.withUnsafeMutableBufferPointer { ys in
                parallelFor(chunks: chunks, threads: context.threads) { chunk in
                    let r = chunkRange(chunk, of: chunks, count: count)
                    Function.apply(UnsafeBufferPointer(rebasing: xs[r]), UnsafeMutableBufferPointer(rebasing: ys[r]))
                }
            }
        }
        savedOutput = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(shape, path: path)
        var dx = reuse(&gradientBuffer, shape: dy.shape)
        let count = dy.count
        let chunks = elementwiseChunks(count, threads: context.threads, items: count)
        savedOutput.storage.withUnsafeBufferPointer { ys in
            dy.storage.withUnsafeBufferPointer { dys in
                dx.storage.withUnsafeMutableBufferPointer { dxs in
                    parallelFor(chunks: chunks, threads: context.threads) { chunk in
                        let r = chunkRange(chunk, of: chunks, count: count)
                        Function.gradient(UnsafeBufferPointer(rebasing: ys[r]), UnsafeBufferPointer(rebasing: dys[r]),
                                          UnsafeMutableBufferPointer(rebasing: dxs[r]))
                    }
                }
            }
        }
        gradientBuffer = dx
        return dx
    }
}
