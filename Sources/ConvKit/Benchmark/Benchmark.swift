import ConvKitKernels
import Dispatch
import Foundation

/// What `convkit bench` measures and how long it tries. The defaults are the figures of the
/// performance issue; tests use ``quick(threads:)``.
public struct BenchmarkOptions: Sendable {
    /// Threads for GEMM and training (batch-parallel convolution, column-parallel GEMM).
    public var threads: Int
    /// Side of the square SGEMM (512 → 512×512×512).
    public var sgemmSize = 512
    /// Columns of the LeNet-5 conv1 SGEMM at batch 4: 6 × 75 × (4·28·28 = 3,136).
    public var conv1Columns = 3136
    /// Batch sizes of the two training figures.
    public var trainBatchSizes = (small: 4, large: 64)
    /// Batch size of the inference figure.
    public var inferenceBatch = 1000
    /// Batch size of the airbench94 training-step figure (airbench's is 1024; the performance
    /// issue's figure, and PyTorch's in scripts/compare-pytorch.sh, use 256).
    public var airbenchBatch = 256
    /// Timed samples per figure; the report keeps the median.
    public var samples = 5
    /// Each sample repeats the operation until at least this many seconds have passed (at least once).
    public var secondsPerSample = 0.5
    /// Images of one CIFAR-10 training epoch, for the derived seconds per epoch.
    public var epochImages = 50_000
    /// The figures to measure; the others are reported as not measured (NaN, JSON `null`).
    /// ``BenchmarkFigure/model`` needs ``model``.
    public var figures = Set(BenchmarkFigure.allCases.filter { $0 != .model })
    /// The network of the ``BenchmarkFigure/model`` figures (`convkit bench --model`): its name as
    /// the user gave it and its architecture, measured at ``modelBatch`` on synthetic data.
    public var model: (name: String, architecture: Architecture)?
    /// Batch size of the model figures (training steps and evaluation-mode forward passes).
    public var modelBatch = 128

    public init(threads: Int) { self.threads = max(1, threads) }

    /// A configuration that runs in well under a second even in a debug build: tiny GEMMs,
    /// one sample of one repetition, inference at batch 8.
    public static func quick(threads: Int) -> BenchmarkOptions {
        var options = BenchmarkOptions(threads: threads)
        options.sgemmSize = 16
        options.conv1Columns = 64
        options.inferenceBatch = 8
        options.airbenchBatch = 2
        options.samples = 1
        options.secondsPerSample = 0
        return options
    }
}

/// One group of figures of the benchmark.
public enum BenchmarkFigure: String, Sendable, CaseIterable {
    /// Both SGEMM figures.
    case sgemm
    /// Training steps at the small batch (4).
    case trainSmall = "train-small"
    /// Training steps at the large batch (64).
    case trainLarge = "train-large"
    /// Inference at batch 1000.
    case inference
    /// airbench94 training steps at batch 256 (3×3 convolutions 64–256 channels wide, BatchNorm, GELU).
    case trainAirbench94 = "train-airbench94"
    /// Training steps and inference of ``BenchmarkOptions/model`` at ``BenchmarkOptions/modelBatch``.
    case model
}

/// Measures ConvKit's kernels and LeNet-5 training and inference on synthetic data.
public enum Benchmark {
    /// Runs every figure (SGEMMs, LeNet-5 train steps at the two batch sizes, inference, airbench94
    /// train steps).
    /// `progress` receives a line before each figure.
    public static func run(_ options: BenchmarkOptions, progress: (String) -> Void = { _ in }) throws -> BenchmarkReport {
        func measure(_ figure: BenchmarkFigure, _ label: String, _ body: () throws -> Double) rethrows -> Double {
            guard options.figures.contains(figure) else { return .nan }
            progress(label)
            return try body()
        }
        let square = measure(.sgemm, "SGEMM \(options.sgemmSize)³") {
            sgemmGFLOPS(m: options.sgemmSize, n: options.sgemmSize, k: options.sgemmSize, options: options)
        }
        let conv1 = measure(.sgemm, "SGEMM 6×75×\(options.conv1Columns) (LeNet-5 conv1 at batch 4)") {
            sgemmGFLOPS(m: 6, n: options.conv1Columns, k: 75, options: options)
        }
        let small = try measure(.trainSmall, "LeNet-5 training, batch \(options.trainBatchSizes.small)") {
            try trainImagesPerSecond(batch: options.trainBatchSizes.small, options: options)
        }
        let large = try measure(.trainLarge, "LeNet-5 training, batch \(options.trainBatchSizes.large)") {
            try trainImagesPerSecond(batch: options.trainBatchSizes.large, options: options)
        }
        let inference = try measure(.inference, "LeNet-5 inference, batch \(options.inferenceBatch)") {
            try inferenceImagesPerSecond(batch: options.inferenceBatch, options: options)
        }
        let airbench = try measure(.trainAirbench94, "airbench94 training, batch \(options.airbenchBatch)") {
            let network = try Network(Zoo.airbench94(), seed: 0)
            let (images, labels) = try syntheticBatch(for: network, batch: options.airbenchBatch)
            return try trainImagesPerSecond(network, images, labels, options: options)
        }
        var modelFigures: (train: Double, inference: Double) = (.nan, .nan)
        if options.figures.contains(.model), let model = options.model {
            progress("\(model.name) training, batch \(options.modelBatch)")
            let network = try Network(model.architecture, seed: 0)
            let (images, labels) = try syntheticBatch(for: network, batch: options.modelBatch)
            modelFigures.train = try trainImagesPerSecond(network, images, labels, options: options)
            progress("\(model.name) inference, batch \(options.modelBatch)")
            modelFigures.inference = try inferenceImagesPerSecond(network, images, options: options)
        }
        return BenchmarkReport(sgemmSize: options.sgemmSize, sgemmGFLOPS: square,
                               conv1Columns: options.conv1Columns, sgemmLeNetConv1GFLOPS: conv1,
                               trainSmallBatch: options.trainBatchSizes.small, trainSmallImagesPerSecond: small,
                               trainLargeBatch: options.trainBatchSizes.large, trainLargeImagesPerSecond: large,
                               inferenceBatch: options.inferenceBatch, inferenceImagesPerSecond: inference,
                               airbenchBatch: options.airbenchBatch, airbenchTrainImagesPerSecond: airbench,
                               modelName: options.figures.contains(.model) ? options.model?.name : nil, modelBatch: options.modelBatch,
                               modelTrainImagesPerSecond: modelFigures.train, modelInferenceImagesPerSecond: modelFigures.inference,
                               epochImages: options.epochImages, threads: options.threads,
                               cpu: cpuName(), engine: GemmEngine.best.rawValue)
    }

    /// Median seconds per call of `body` over `options.samples` samples (after one warm-up call).
    static func medianSeconds(_ options: BenchmarkOptions, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<max(options.samples, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            var calls = 0
            var elapsed = 0.0
            repeat {
                try body()
                calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < options.secondsPerSample
            times.append(elapsed / Double(calls))
        }
        times.sort()
        return times[times.count / 2]
    }

    /// GFLOP/s (2·m·n·k per call) of C = A·B with the threaded SGEMM.
    static func sgemmGFLOPS(m: Int, n: Int, k: Int, options: BenchmarkOptions) -> Double {
        var random = RandomGenerator(seed: 1)
        let a = (0..<(m * k)).map { _ in random.uniform(-1, 1) }
        let b = (0..<(k * n)).map { _ in random.uniform(-1, 1) }
        var c = [Float](repeating: 0, count: m * n)
        let seconds = medianSeconds(options) {
            multiplyMatrices(transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k,
                             b: b, ldb: n, beta: 0, c: &c, ldc: n, threads: options.threads)
        }
        return 2 * Double(m) * Double(n) * Double(k) / seconds / 1e9
    }

    /// A LeNet-5 network and a synthetic batch (normal pixels, uniform labels) of `batch` images.
    static func lenet5(batch: Int) throws -> (Network, Tensor, [Int]) {
        let network = try Network(Zoo.lenet5(), seed: 0)
        let (images, labels) = try syntheticBatch(for: network, batch: batch)
        return (network, images, labels)
    }

    /// A synthetic batch for `network`: `batch` images of its input shape with standard normal
    /// pixels, and labels uniform over its classes (the width of its output).
    static func syntheticBatch(for network: Network, batch: Int) throws -> (Tensor, [Int]) {
        var random = RandomGenerator(seed: 2)
        var images = Tensor(shape: [batch] + network.input.dimensions)
        for i in images.storage.indices { images.storage[i] = random.nextNormal() }
        let classes = try network.output.elementCount()
        let labels = (0..<batch).map { _ in random.nextInt(below: classes) }
        return (images, labels)
    }

    /// Images per second of full LeNet-5 training steps at `batch`.
    static func trainImagesPerSecond(batch: Int, options: BenchmarkOptions) throws -> Double {
        let (network, images, labels) = try lenet5(batch: batch)
        return try trainImagesPerSecond(network, images, labels, options: options)
    }

    /// Images per second of full training steps (forward, loss, backward, SGD with momentum),
    /// the same step as ``Trainer/trainEpoch(_:epoch:progress:)``.
    static func trainImagesPerSecond(_ network: Network, _ images: Tensor, _ labels: [Int], options: BenchmarkOptions) throws -> Double {
        let optimizer = SGD(learningRate: 0.001, momentum: 0.9)
        var context = RunContext(training: true, threads: options.threads)
        context.needsInputGradient = false
        let seconds = try medianSeconds(options) {
            network.zeroGradients()
            let logits = try network.forward(images, &context)
            let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            try network.backward(result.gradient, &context)
            optimizer.step(network.parameters, threads: options.threads)
        }
        return Double(labels.count) / seconds
    }

    /// Images per second of LeNet-5 evaluation-mode forward passes at `batch`.
    static func inferenceImagesPerSecond(batch: Int, options: BenchmarkOptions) throws -> Double {
        let (network, images, _) = try lenet5(batch: batch)
        return try inferenceImagesPerSecond(network, images, options: options)
    }

    /// Images per second of evaluation-mode forward passes of `images`.
    static func inferenceImagesPerSecond(_ network: Network, _ images: Tensor, options: BenchmarkOptions) throws -> Double {
        var context = RunContext(training: false, threads: options.threads)
        let seconds = try medianSeconds(options) { _ = try network.forward(images, &context) }
        return Double(images.shape[0]) / seconds
    }

    /// The CPU's model name (`/proc/cpuinfo` on Linux, `machdep.cpu.brand_string` on macOS).
    static func cpuName() -> String {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        #elseif canImport(Darwin)
        var size = 0
        if sysctlbyname("machdep.cpu.brand_string", nil, &size, nil, 0) == 0, size > 0 {
            var bytes = [CChar](repeating: 0, count: size)
            if sysctlbyname("machdep.cpu.brand_string", &bytes, &size, nil, 0) == 0 { return String(cString: bytes) }
        }
        #endif
        return "unknown"
    }
}
