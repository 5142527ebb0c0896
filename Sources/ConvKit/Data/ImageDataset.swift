/// A labelled image dataset held as bytes: `images` is `N × C × H × W` UInt8 pixels, row-major
/// (CIFAR-10's layout: one RGB plane after another per image), `labels` is N class indices.
/// Kept as UInt8 in memory (CIFAR-10 training set: 150 MB) and converted to float per batch.
public struct ImageDataset: Sendable {
    /// A short name for messages, e.g. `cifar10 train`.
    public var name: String
    /// Pixels, `count × C × H × W`.
    public var images: [UInt8]
    /// One class index per image, each `< classNames.count`.
    public var labels: [UInt8]
    /// The shape of one image, `[C, H, W]`.
    public var imageShape: Shape
    /// Class names, indexed by label.
    public var classNames: [String]

    /// Validates sizes and labels.
    public init(name: String, images: [UInt8], labels: [UInt8], imageShape: Shape, classNames: [String]) throws {
        let perImage = try imageShape.elementCount()
        guard images.count == labels.count * perImage else {
            throw ConvKitError.invalidArgument(name: name, reason: "\(labels.count) labels need \(labels.count * perImage) pixel bytes, found \(images.count)")
        }
        if let bad = labels.firstIndex(where: { Int($0) >= classNames.count }) {
            throw ConvKitError.invalidArgument(name: name, reason: "label \(labels[bad]) of image \(bad) is not below the class count \(classNames.count)")
        }
        self.name = name
        self.images = images
        self.labels = labels
        self.imageShape = imageShape
        self.classNames = classNames
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Bytes per image, `C·H·W`.
    public var imageSize: Int { imageShape.dimensions.reduce(1, *) }

    /// The first `n` images (all of them when `n >= count`).
    public func prefix(_ n: Int) -> ImageDataset {
        guard n < count else { return self }
        var copy = self
        copy.images = Array(images[0..<(n * imageSize)])
        copy.labels = Array(labels[0..<n])
        return copy
    }
}
