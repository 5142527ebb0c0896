import ConvKitKernels

/// Cuts an ``ImageDataset`` into batches of normalized (and optionally augmented) float images.
///
/// An epoch visits every image once: call ``startEpoch(random:)`` (which reshuffles when
/// `shuffle` is true), then ``batch(_:into:labels:random:)`` for `0..<batchCount`. All
/// randomness (order, crops, flips) comes from the generator passed in, so the same seed gives
/// bit-identical batches. Batches are written into caller-owned buffers, reused across calls.
public struct BatchLoader: Sendable {
    /// The images and labels batched.
    public let dataset: ImageDataset
    /// Images per batch (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// Byte-to-float conversion.
    public let normalization: Normalization
    /// Random augmentations applied to every image of every batch.
    public let augmentation: Augmentation
    /// Whether ``startEpoch(random:)`` draws a new random order.
    public let shuffle: Bool
    /// This epoch's order: `order[k]` is the dataset index of the k-th image visited.
    public private(set) var order: [Int]
    /// `table[c·256 + x]`: the normalized value of byte x on channel c.
    private let table: [Float]

    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` for a batch size below 1, an image
    ///   shape that is not `[C, H, W]`, or normalization parameters that do not fit the channels.
    public init(dataset: ImageDataset, batchSize: Int, normalization: Normalization,
                augmentation: Augmentation = .none, shuffle: Bool) throws {
        guard batchSize >= 1 else {
            throw ConvKitError.invalidArgument(name: "batch size", reason: "\(batchSize) must be at least 1")
        }
        guard dataset.imageShape.rank == 3, dataset.imageShape.dimensions.allSatisfy({ $0 > 0 }) else {
            throw ConvKitError.invalidArgument(name: "dataset \(dataset.name)", reason: "image shape \(dataset.imageShape) is not C×H×W")
        }
        self.table = try normalization.lookupTable(channels: dataset.imageShape.dimensions[0])
        self.dataset = dataset
        self.batchSize = batchSize
        self.normalization = normalization
        self.augmentation = augmentation
        self.shuffle = shuffle
        self.order = Array(0..<dataset.count)
    }

    /// Batches per epoch, `⌈count / batchSize⌉`.
    public var batchCount: Int { (dataset.count + batchSize - 1) / batchSize }

    /// Starts an epoch: draws a new order (a Fisher–Yates permutation from `random`) when
    /// `shuffle` is true; otherwise keeps the dataset order and draws nothing.
    public mutating func startEpoch(random: inout RandomGenerator) {
        if shuffle { order = random.permutation(dataset.count) }
    }

    /// Fills `images` (resized to `[b, C, H, W]` with ``Tensor/resize(to:)``, so its storage is
    /// reused and nothing is allocated once it has held a full batch) and `labels` (`b` class
    /// indices, capacity kept) with batch `index` of this epoch, where `b` is `batchSize` except
    /// for a partial last batch. Augmentation draws come from `random`, image by image.
    /// Without augmentation the images are converted on `threads` threads (the same values).
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` when `index` is not in `0..<batchCount`.
    public func batch(_ index: Int, into images: inout Tensor, labels: inout [Int], random: inout RandomGenerator,
                      threads: Int = 1) throws {
        guard index >= 0, index < batchCount else {
            throw ConvKitError.invalidArgument(name: "batch index", reason: "\(index) is outside 0..<\(batchCount) (\(dataset.count) images in batches of \(batchSize))")
        }
        let first = index * batchSize
        let b = min(batchSize, dataset.count - first)
        let dims = dataset.imageShape.dimensions
        let (channels, height, width) = (dims[0], dims[1], dims[2])
        let size = dataset.imageSize
        try images.resize(to: [b, channels, height, width])
        labels.removeAll(keepingCapacity: true)
        for k in first..<(first + b) { labels.append(Int(dataset.labels[order[k]])) }

        if augmentation.isEmpty {
            gatherBytesThroughTable(dataset.images, imageSize: size, channels: channels, order: order, first: first,
                                    count: b, table: table, into: &images.storage, threads: threads)
        } else {
            for k in 0..<b {
                augmentation.apply(dataset.images, offset: order[first + k] * size, channels: channels, height: height,
                                   width: width, table: table, into: &images.storage, outputOffset: k * size, random: &random)
            }
        }
    }
}
