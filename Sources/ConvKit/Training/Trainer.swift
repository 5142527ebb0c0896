import Foundation

/// Hyper-parameters of a training run (the flags of `convkit train`).
public struct TrainingOptions: Sendable {
    public enum OptimizerKind: String, Sendable, CaseIterable { case sgd, adam }
    public var epochs = 20
    public var batchSize = 4
    public var learningRate = 0.001
    public var momentum = 0.9
    public var nesterov = false
    public var weightDecay = 0.0
    public var optimizer = OptimizerKind.sgd
    public var schedule = LearningRateSchedule.constant
    public var seed: UInt64 = 0
    public var threads = 1
    public var normalization = Normalization.half
    public var augmentation = Augmentation.none
    public init() {}

    /// Throws for values no run can use.
    public func validate() throws {
        guard epochs >= 1 else { throw ConvKitError.invalidArgument(name: "--epochs", reason: "must be at least 1, found \(epochs)") }
        guard batchSize >= 1 else { throw ConvKitError.invalidArgument(name: "--batch-size", reason: "must be at least 1, found \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw ConvKitError.invalidArgument(name: "--lr", reason: "must be positive, found \(learningRate)") }
        guard (0..<1).contains(momentum) else { throw ConvKitError.invalidArgument(name: "--momentum", reason: "must be in [0, 1), found \(momentum)") }
        guard weightDecay >= 0 else { throw ConvKitError.invalidArgument(name: "--weight-decay", reason: "must be non-negative, found \(weightDecay)") }
        guard threads >= 1 else { throw ConvKitError.invalidArgument(name: "--threads", reason: "must be at least 1, found \(threads)") }
        if nesterov && momentum == 0 { throw ConvKitError.invalidArgument(name: "--nesterov", reason: "needs a non-zero --momentum") }
    }

    /// The optimizer these options describe.
    public func makeOptimizer() -> any Optimizer {
        switch optimizer {
        case .sgd: return SGD(learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        case .adam: return Adam(learningRate: learningRate, weightDecay: weightDecay)
        }
    }
}

/// Loss and accuracy of one pass over a dataset.
public struct Evaluation: Sendable {
    /// Mean softmax cross-entropy per example.
    public var loss: Double
    /// Fraction of correct argmax predictions, in [0, 1].
    public var accuracy: Double
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]
    /// Number of examples.
    public var count: Int
}

/// Metrics of one epoch, as written to the metrics CSV.
public struct EpochMetrics: Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double
    public var testAccuracy: Double
    /// Wall time of the whole epoch: its training steps and the test pass after them.
    public var seconds: Double
    /// Wall time of the epoch's training steps alone (batches, forward, backward, optimizer steps),
    /// without the test pass; `nil` for epochs recorded by a checkpoint that predates the column.
    public var trainSeconds: Double?

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, testLoss: Double, testAccuracy: Double, seconds: Double,
                trainSeconds: Double?) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.seconds = seconds
        self.trainSeconds = trainSeconds
    }
}

/// Runs epochs of mini-batch training and evaluation on a ``Network``.
public final class Trainer {
    public let network: Network
    public let optimizer: any Optimizer
    public let options: TrainingOptions
    /// The generator for shuffling, augmentation and dropout; saved in checkpoints.
    public var random: RandomGenerator

    public init(network: Network, options: TrainingOptions, optimizer: (any Optimizer)? = nil) throws {
        try options.validate()
        self.network = network
        self.options = options
        self.optimizer = optimizer ?? options.makeOptimizer()
        self.random = RandomGenerator(seed: options.seed &+ 0x5EED)
    }

    /// One epoch over `dataset`: shuffled mini-batches, forward, loss, backward, optimizer step.
    /// `progress(done, total)` is called after every batch with images processed so far.
    /// Throws ``ConvKitError/nonFiniteLoss`` as soon as a batch loss is NaN or infinite.
    public func trainEpoch(_ dataset: ImageDataset, epoch: Int, progress: (Int, Int) -> Void = { _, _ in }) throws -> (loss: Double, accuracy: Double) {
        switch try trainEpoch(dataset, epoch: epoch, resumingFrom: nil, shouldStop: { false }, progress: progress) {
        case let .finished(loss, accuracy): return (loss, accuracy)
        case .stopped: return (.nan, .nan)  // unreachable: nothing asks to stop
        }
    }

    /// One epoch, or its rest from `position` (which must be in `epoch`), stopping before any
    /// batch for which `shouldStop()` is true (checked before every batch, so the step in flight
    /// always completes). Continuing a stopped epoch from the returned position gives the same
    /// weights, generator and sums, bit for bit, as never stopping.
    /// - Throws: ``ConvKitError/nonFiniteLoss`` as soon as a batch loss is NaN or infinite;
    ///   ``ConvKitError/invalidArgument(name:reason:)`` for a position that does not fit the epoch.
    public func trainEpoch(_ dataset: ImageDataset, epoch: Int, resumingFrom position: TrainingPosition?,
                           shouldStop: () -> Bool, progress: (Int, Int) -> Void = { _, _ in }) throws -> EpochOutcome {
        optimizer.learningRate = options.schedule.rate(base: options.learningRate, epoch: epoch)
        var loader = try BatchLoader(dataset: dataset, batchSize: options.batchSize, normalization: options.normalization,
                                     augmentation: options.augmentation, shuffle: true)
        let epochStart = position?.epochStartRandom ?? random
        random = epochStart
        loader.startEpoch(random: &random)
        var images = Tensor(shape: [0])
        var labels: [Int] = []
        var totalLoss = 0.0, correct = 0, seen = 0, first = 0
        if let position, position.step > 0 {
            guard position.epoch == epoch, position.step < loader.batchCount,
                  position.seen == position.step * options.batchSize, (0...position.seen).contains(position.correct) else {
                throw ConvKitError.invalidArgument(name: "training position", reason: "epoch \(position.epoch) step \(position.step) (\(position.seen) images) does not fit epoch \(epoch) of \(loader.batchCount) batches of \(options.batchSize)")
            }
            (first, random, totalLoss, correct, seen) = (position.step, position.random, position.lossSum, position.correct, position.seen)
        }
        for index in first..<loader.batchCount {
            if shouldStop() {
                return .stopped(TrainingPosition(epoch: epoch, step: index, epochStartRandom: epochStart, random: random,
                                                 lossSum: totalLoss, correct: correct, seen: seen))
            }
            try loader.batch(index, into: &images, labels: &labels, random: &random, threads: options.threads)
            var context = RunContext(training: true, threads: options.threads, random: random)
            context.needsInputGradient = false
            network.zeroGradients()
            let logits = try network.forward(images, &context)
            let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            guard result.loss.isFinite else {
                throw ConvKitError.nonFiniteLoss(epoch: epoch, step: index, learningRate: optimizer.learningRate)
            }
            try network.backward(result.gradient, &context)
            random = context.random
            optimizer.step(network.parameters, threads: options.threads)
            totalLoss += result.loss * Double(labels.count)
            correct += result.correct
            seen += labels.count
            progress(seen, dataset.count)
        }
        return .finished(loss: totalLoss / Double(max(seen, 1)), accuracy: Double(correct) / Double(max(seen, 1)))
    }

    /// Loss, accuracy and confusion matrix in evaluation mode (batch statistics off, no dropout).
    public func evaluate(_ dataset: ImageDataset, batchSize: Int = 500) throws -> Evaluation {
        try Self.evaluate(network, dataset, normalization: options.normalization, threads: options.threads, batchSize: batchSize)
    }

    /// Evaluates any network on a dataset.
    public static func evaluate(_ network: Network, _ dataset: ImageDataset, normalization: Normalization, threads: Int, batchSize: Int = 500) throws -> Evaluation {
        let classes = network.output.dimensions.last ?? 0
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: max(classes, dataset.classNames.count)), count: max(classes, dataset.classNames.count))
        let loader = try BatchLoader(dataset: dataset, batchSize: batchSize, normalization: normalization, augmentation: .none, shuffle: false)
        var images = Tensor(shape: [0])
        var labels: [Int] = []
        var random = RandomGenerator(seed: 0)
        var totalLoss = 0.0, correct = 0
        for index in 0..<loader.batchCount {
            try loader.batch(index, into: &images, labels: &labels, random: &random, threads: threads)
            var context = RunContext(training: false, threads: threads)
            let logits = try network.forward(images, &context)
            let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: labels)
            totalLoss += result.loss * Double(labels.count)
            correct += result.correct
            for (row, label) in labels.enumerated() {
                var best = 0
                for j in 1..<classes where logits.storage[row * classes + j] > logits.storage[row * classes + best] { best = j }
                confusion[label][best] += 1
            }
        }
        let n = Double(max(dataset.count, 1))
        return Evaluation(loss: totalLoss / n, accuracy: Double(correct) / n, confusion: confusion, count: dataset.count)
    }
}
