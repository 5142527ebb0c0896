import ConvKitKernels

/// Evaluation-mode data parallelism inside one process: a batch split among replicas of a
/// network, one per thread, that share its weights, so that a forward pass is one parallel region
/// instead of one or more per layer and slice (LeNet-5 at batch 1000: 16 slices of about ten
/// regions each, every one a hand-off to the other thread and a wait for the slower half).
///
/// Batches of more than ``SequentialRuntime/evaluationSlice`` images are cut into the slices that
/// the network runs one after another on its own (that many images from each multiple of it), and
/// the threads claim them one at a time (``parallelClaim(items:workers:_:)``), so that a thread
/// slowed down by another process takes fewer. Each slice runs whole on one thread, and every
/// element of a layer is computed by the same operations whatever the thread count, so the logits
/// are the bits of one thread's pass.
///
/// Training passes are not split: a training step split this way (replicas accumulating their
/// share's weight gradients, added in thread order) measured no faster on LeNet-5 at batch 4 and
/// 64 than the layers' own split, and it would change the rounding of the linear layers' weight
/// gradients at 2 threads (README, "How it is fast").
///
/// Replica 0 is the network's own runtime. The others are instantiated from the same
/// architecture; for each pass their parameters take the network's values (copy-on-write: shared,
/// not copied) and let them go after it, so that the optimizer's in-place update copies nothing.
final class DataParallel {
    /// One thread's runtime, its parameters (state_dict order, as the network's) and its buffers.
    final class Replica {
        let runtime: any LayerRuntime
        let parameters: [Parameter]
        var input = Tensor(shape: [0])
        /// The outputs of the slices this replica ran, one after another, which slices, and the
        /// per-image output shape.
        var outputs: [Float] = []
        var slices: [Int] = []
        var outputShape: [Int] = []
        var error: (any Error)?
        init(_ runtime: any LayerRuntime) {
            self.runtime = runtime
            self.parameters = runtime.parameters
        }
    }

    private let makeRuntime: () throws -> any LayerRuntime
    private var replicas: [Replica]

    /// `root` is the network's runtime; `makeRuntime` instantiates another of the same architecture.
    init(root: any LayerRuntime, makeRuntime: @escaping () throws -> any LayerRuntime) {
        self.replicas = [Replica(root)]
        self.makeRuntime = makeRuntime
    }

    /// The evaluation-mode forward pass of `x` (`[N] + input`, checked by the caller) split among
    /// replicas, or nil when it should run whole: training, one thread, or a batch of one slice.
    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor? {
        guard !context.training, context.threads > 1, x.batch > SequentialRuntime.evaluationSlice else { return nil }
        let n = x.batch
        let ranges = SequentialRuntime.evaluationSlices(of: n)
        let workers = min(context.threads, ranges.count)
        try prepare(workers)
        defer { release() }
        let perImage = x.count / n
        let imageShape = Array(x.shape.dropFirst())
        var local = context
        local.threads = 1
        for replica in replicas.prefix(workers) {
            replica.error = nil
            replica.outputs.removeAll(keepingCapacity: true)
            replica.slices.removeAll(keepingCapacity: true)
        }
        parallelClaim(items: ranges.count, workers: workers) { worker, item in
            let replica = replicas[worker]
            guard replica.error == nil else { return }
            do {
                let range = ranges[item]
                // What the runtime saved from its last pass may still hold the input buffer.
                (replica.runtime as? any SavesActivations)?.releaseSavedActivations()
                var input = reuse(&replica.input, shape: [range.count] + imageShape)
                copyElements(x.storage, from: range.lowerBound * perImage, into: &input.storage, at: 0, count: range.count * perImage)
                replica.input = input
                var threadContext = local
                let y = try replica.runtime.forward(input, &threadContext)
                replica.outputs.append(contentsOf: y.storage)
                replica.slices.append(item)
                replica.outputShape = Array(y.shape.dropFirst())
            } catch {
                replica.error = error
            }
        }
        for replica in replicas.prefix(workers) {
            if let error = replica.error {
                replica.error = nil
                throw error
            }
        }
        // The slices' outputs, gathered from the replicas that ran them, in image order.
        let outputShape = replicas.prefix(workers).first { !$0.slices.isEmpty }?.outputShape ?? []
        let outPerImage = outputShape.reduce(1, *)
        var y = Tensor(shape: [n] + outputShape)
        for replica in replicas.prefix(workers) {
            var offset = 0
            for item in replica.slices {
                let range = ranges[item]
                copyElements(replica.outputs, from: offset, into: &y.storage, at: range.lowerBound * outPerImage,
                             count: range.count * outPerImage)
                offset += range.count * outPerImage
            }
        }
        return y
    }

    /// Makes `count` replicas and gives them the network's parameter values (shared storage).
    private func prepare(_ count: Int) throws {
        while replicas.count < count {
            let replica = Replica(try makeRuntime())
            // Replicas only run forward passes: no gradient storage.
            for p in replica.parameters { p.gradient = Tensor(shape: [0]) }
            replicas.append(replica)
        }
        let network = replicas[0].parameters
        for replica in replicas.dropFirst().prefix(count - 1) {
            for (mine, theirs) in zip(network, replica.parameters) { theirs.value = mine.value }
        }
    }

    /// Lets the replicas' parameters go of the network's values, which the optimizer then updates in place.
    private func release() {
        for replica in replicas.dropFirst() {
            for p in replica.parameters { p.value = Tensor(shape: [0]) }
        }
    }
}
