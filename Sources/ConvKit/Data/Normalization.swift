import ConvKitKernels

/// How pixel bytes `x` (0…255) become network inputs, per channel `c`. Each case first scales to
/// `x/255` in Float32, then subtracts and divides in Float32 — the arithmetic of torchvision's
/// `ToTensor()` followed by `Normalize(mean, std)`, so inputs match PyTorch's bit for bit.
public enum Normalization: Sendable, Equatable {
    /// `x/255`, in [0, 1].
    case unit
    /// `(x/255 − 0.5) / 0.5` on every channel, in [−1, 1] (the PyTorch CIFAR-10 tutorial's
    /// `Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))`): 0 → −1, 255 → 1.
    case half
    /// `(x/255 − mean[c]) / std[c]`; `mean` and `std` have one entry per channel, std > 0.
    case meanStd(mean: [Float], std: [Float])

    /// Per-channel mean and population standard deviation of `x/255` over every pixel of
    /// `dataset`, accumulated in Float64 from exact byte histograms. A channel with no spread
    /// (or an empty dataset) gets std 1, so the result never divides by zero.
    public static func datasetStatistics(of dataset: ImageDataset) -> Normalization {
        let channels = dataset.imageShape.dimensions.first ?? 1
        let plane = channels > 0 ? dataset.imageSize / channels : 0
        let histogram = byteHistogram(dataset.images, imageCount: dataset.count, channels: channels, plane: plane)
        var mean: [Float] = [], std: [Float] = []
        for c in 0..<channels {
            let bins = histogram[(c * 256)..<((c + 1) * 256)]
            let n = Double(bins.reduce(0, +))
            guard n > 0 else { mean.append(0); std.append(1); continue }
            var sum = 0.0
            for (v, k) in zip(bins.indices, bins) { sum += Double(v - c * 256) / 255 * Double(k) }
            let m = sum / n
            var squares = 0.0
            for (v, k) in zip(bins.indices, bins) {
                let d = Double(v - c * 256) / 255 - m
                squares += d * d * Double(k)
            }
            let s = (squares / n).squareRoot()
            mean.append(Float(m))
            std.append(s > 0 ? Float(s) : 1)
        }
        return .meanStd(mean: mean, std: std)
    }

    /// The input value of byte `x` on channel `c` (`c` below the validated channel count).
    func value(_ x: UInt8, channel c: Int) -> Float {
        let unit = Float(x) / 255
        switch self {
        case .unit: return unit
        case .half: return (unit - 0.5) / 0.5
        case let .meanStd(mean, std): return (unit - mean[c]) / std[c]
        }
    }

    /// Checks the parameters against an image's channel count.
    func validate(channels: Int) throws {
        guard case let .meanStd(mean, std) = self else { return }
        guard mean.count == channels, std.count == channels else {
            throw ConvKitError.invalidArgument(name: "normalization", reason: "mean and std need \(channels) values each (one per channel), found \(mean.count) and \(std.count)")
        }
        if let bad = std.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw ConvKitError.invalidArgument(name: "normalization", reason: "std[\(bad)] = \(std[bad]) must be a positive finite number")
        }
        if let bad = mean.firstIndex(where: { !$0.isFinite }) {
            throw ConvKitError.invalidArgument(name: "normalization", reason: "mean[\(bad)] = \(mean[bad]) must be finite")
        }
    }

    /// `table[c·256 + x]` = ``value(_:channel:)``: the conversion as a lookup table.
    func lookupTable(channels: Int) throws -> [Float] {
        try validate(channels: channels)
        var table = [Float](repeating: 0, count: channels * 256)
        for c in 0..<channels {
            for x in 0..<256 { table[c * 256 + x] = value(UInt8(x), channel: c) }
        }
        return table
    }
}
