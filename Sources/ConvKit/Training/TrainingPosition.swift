/// Where a training run stands, with everything the next step depends on besides the weights and
/// the optimizer state: enough to continue the run bit for bit (same seed, same thread count).
///
/// An epoch draws its image order from the trainer's generator first, then augmentation and
/// dropout draws batch by batch. So a position keeps the generator as the epoch began (to redraw
/// the same order) and the generator after the batches done (to continue the draws), plus the
/// epoch's running sums (so its reported loss and accuracy are those of an uninterrupted run).
public struct TrainingPosition: Sendable, Equatable {
    /// The epoch in progress, 0-based. With `step == 0` it is also the number of completed epochs.
    public var epoch: Int
    /// Batches of `epoch` already trained (0 at an epoch boundary).
    public var step: Int
    /// The generator as `epoch` began, before its shuffle.
    public var epochStartRandom: RandomGenerator
    /// The generator after the shuffle and the first `step` batches; equal to `epochStartRandom`
    /// (and not used) at an epoch boundary, where it follows from the shuffle.
    public var random: RandomGenerator
    /// Σ (mean batch loss × batch size) over the batches done.
    public var lossSum: Double
    /// Correct argmax predictions over the batches done.
    public var correct: Int
    /// Images trained on in the batches done.
    public var seen: Int

    /// A position; the sums default to those of a fresh epoch.
    public init(epoch: Int, step: Int, epochStartRandom: RandomGenerator, random: RandomGenerator,
                lossSum: Double = 0, correct: Int = 0, seen: Int = 0) {
        self.epoch = epoch
        self.step = step
        self.epochStartRandom = epochStartRandom
        self.random = random
        self.lossSum = lossSum
        self.correct = correct
        self.seen = seen
    }

    /// The start of `epoch`, with the trainer's generator as it is now.
    public static func boundary(epoch: Int, random: RandomGenerator) -> TrainingPosition {
        TrainingPosition(epoch: epoch, step: 0, epochStartRandom: random, random: random)
    }

    /// Epochs fully trained: `epoch` (the one in progress is not counted).
    public var completedEpochs: Int { epoch }
}

/// How a call to ``Trainer/trainEpoch(_:epoch:resumingFrom:shouldStop:progress:)`` ended.
public enum EpochOutcome: Sendable, Equatable {
    /// Every batch was trained: mean loss per image and accuracy in [0, 1].
    case finished(loss: Double, accuracy: Double)
    /// A stop was requested; the position before the next batch.
    case stopped(TrainingPosition)
}
