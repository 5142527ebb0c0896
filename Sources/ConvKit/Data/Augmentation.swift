import ConvKitKernels

/// Random training-time augmentations, applied per image by ``BatchLoader`` as torchvision's
/// `RandomCrop(size, padding: 4)` then `RandomHorizontalFlip(p: 0.5)` would be.
///
/// Draws per image, in this order, from the loader's ``RandomGenerator``: with ``randomCrop``,
/// the crop's top offset then its left offset, each uniform in 0…8 (`2·cropPadding`); with
/// ``horizontalFlip``, one 64-bit draw whose top bit decides the flip. The crop pads with zero
/// *pixels* (byte 0 before normalization, as torchvision pads the image before `ToTensor`), so a
/// padded position holds the normalized value of 0 (−1 with ``Normalization/half``).
public struct Augmentation: OptionSet, Sendable, Hashable {
    /// The option bits (``randomCrop`` = 1, ``horizontalFlip`` = 2).
    public let rawValue: Int
    /// Options from their bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Pad every side with ``cropPadding`` zero pixels, then crop a window of the original size
    /// at a uniformly random position (the image shifts by −4…4 pixels each way).
    public static let randomCrop = Augmentation(rawValue: 1 << 0)
    /// Mirror left–right with probability 0.5.
    public static let horizontalFlip = Augmentation(rawValue: 1 << 1)
    /// No augmentation (evaluation, or training without it).
    public static let none: Augmentation = []
    /// The usual CIFAR-10 recipe: ``randomCrop`` and ``horizontalFlip``.
    public static let standard: Augmentation = [.randomCrop, .horizontalFlip]
    /// Zero pixels added on each side before the random crop.
    public static let cropPadding = 4

    /// Converts the `C×H×W` byte image at `pixels[offset...]` through `table` (`table[c·256 + x]`)
    /// into `out[outputOffset...]`, drawing this image's crop offsets and flip from `random`.
    func apply(_ pixels: [UInt8], offset: Int, channels: Int, height: Int, width: Int,
               table: [Float], into out: inout [Float], outputOffset: Int, random: inout RandomGenerator) {
        var shiftY = 0, shiftX = 0, flip = false
        if contains(.randomCrop) {
            shiftY = random.nextInt(below: 2 * Self.cropPadding + 1) - Self.cropPadding
            shiftX = random.nextInt(below: 2 * Self.cropPadding + 1) - Self.cropPadding
        }
        if contains(.horizontalFlip) { flip = random.next() >> 63 == 1 }
        shiftedBytesThroughTable(pixels, offset: offset, channels: channels, height: height, width: width,
                                 shiftY: shiftY, shiftX: shiftX, flip: flip, table: table, into: &out, outputOffset: outputOffset)
    }
}
