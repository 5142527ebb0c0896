/// The one batch `convkit gradients` measures gradients on.
public struct GradientBatch: Sendable {
    /// `[N] + input`.
    public var inputs: Tensor
    /// N class indices.
    public var labels: [Int]
    /// Where it came from, for the report (`random (seed 1)`).
    public var source: String
}

// MARK: - Data source (the one place datasets plug in)

/// The batch for `convkit gradients --dataset NAME --data-dir DIR`.
///
/// `dataset` `nil` or `random` (the default): `count` examples of seeded standard-normal values
/// of shape `input` with labels uniform in `0..<classes` — what gradient flow at initialisation
/// needs (the statistics of real images matter little for it).
///
/// NOTE for the lead: dataset readers live on another branch (`Datasets.load`); wire the other
/// names here after merging. Until then they throw.
public func loadGradientBatch(dataset: String?, dataDirectory: String?, count: Int, input: Shape, classes: Int,
                              seed: UInt64) throws -> GradientBatch {
    guard count >= 1 else {
        throw ConvKitError.invalidArgument(name: "--batch", reason: "must be at least 1, found \(count)")
    }
    guard classes >= 1 else {
        throw ConvKitError.invalidArgument(name: "--classes", reason: "must be at least 1, found \(classes)")
    }
    switch dataset?.lowercased() {
    case nil, "random":
        var random = RandomGenerator(seed: seed)
        let size = try Checked.multiply(count, try input.elementCount(), "batch of \(count) × \(input)")
        let values = (0..<size).map { _ in random.nextNormal() }
        let labels = (0..<count).map { _ in random.nextInt(below: classes) }
        return GradientBatch(inputs: try Tensor(shape: [count] + input.dimensions, values: values), labels: labels,
                             source: "random standard-normal inputs and labels (seed \(seed))")
    case let name?:
        // The first `count` training images, normalised as the PyTorch tutorial does.
        let dataset = try Datasets.load(name, split: .train, dataDirectory: dataDirectory).prefix(count)
        guard dataset.imageShape == input else {
            throw ConvKitError.shapeMismatch(layer: "network input", expected: "\(input)", found: "\(dataset.imageShape) images in \(name)")
        }
        guard dataset.classNames.count == classes else {
            throw ConvKitError.shapeMismatch(layer: "network output", expected: "\(dataset.classNames.count) classes of \(name)", found: "\(classes)")
        }
        let loader = try BatchLoader(dataset: dataset, batchSize: dataset.count, normalization: .half, augmentation: .none, shuffle: false)
        var images = Tensor(shape: [0]), labels: [Int] = []
        var random = RandomGenerator(seed: seed)
        try loader.batch(0, into: &images, labels: &labels, random: &random)
        return GradientBatch(inputs: images, labels: labels, source: "the first \(dataset.count) \(name) training images, normalised (x/255 − 0.5)/0.5")
    }
}
