/// `shapes`: a deterministic, built-in 10-class image dataset for trying training without
/// downloading anything. Every image is 3×32×32 RGB (the CIFAR-10 layout), generated from a seed.
///
/// Classes (label: name — what is drawn, with half-extent `r` in pixels):
/// 0 circle — a filled disk of radius r; 1 square — a filled axis-aligned square of side 1.7r;
/// 2 triangle — a filled upward triangle, apex r above the centre, base 2r wide at 0.8r below;
/// 3 ring — an annulus between radii 0.55r and r; 4 cross — a plus sign, arms r long and
/// 2·max(1, r/4) wide; 5 horizontal bar — 2r long, 2·max(1, 0.3r) thick; 6 vertical bar — the same
/// upright; 7 diamond — |dx| + |dy| ≤ 1.1r; 8 diagonal stripe — a band 2·max(1, 0.3r) wide from
/// top-left to bottom-right within the 2r box; 9 dots — a 2×2 grid of disks of radius
/// max(1.2, 0.28r) at (±r/2, ±r/2). A pixel belongs to a shape when its centre does.
///
/// Per image, in this order: a background colour and a shape colour (each channel uniform in
/// 0…255), drawn again together until the shape is brighter than the background by at least 250
/// summed over the channels (colour jitter, but a consistent polarity: with colours of either
/// polarity LeNet-5 stays at chance for two epochs); the half-extent r uniform in [6, 11) pixels;
/// the centre uniform so the shape stays inside the image; then for every pixel, independent noise on each
/// channel, triangular on −31…31 (the sum of two uniform bytes minus 255, divided by 8;
/// standard deviation ≈ 13), clamped to 0…255. Labels are balanced (`count / 10` per class, the
/// remainder to the lowest classes) and shuffled with the same generator before any drawing.
public enum SyntheticShapes {
    /// The class names, indexed by label.
    public static let classNames = ["circle", "square", "triangle", "ring", "cross", "horizontal bar",
                                    "vertical bar", "diamond", "diagonal stripe", "dots"]
    /// The shape of one image, `[C, H, W]` = `[3, 32, 32]`.
    public static let imageShape: Shape = [3, 32, 32]
    /// Image side in pixels.
    static let side = 32

    /// `count` images generated from `seed`: the same seed gives the same bytes on every platform.
    /// - Throws: ``ConvKitError/invalidArgument(name:reason:)`` for a count outside 0…10,000,000.
    public static func make(count: Int, seed: UInt64) throws -> ImageDataset {
        try generate(count: count, seed: seed, keepMasks: false).dataset
    }

    /// The dataset and, when `keepMasks`, each image's 32×32 shape mask (true inside the shape).
    static func generate(count: Int, seed: UInt64, keepMasks: Bool) throws -> (dataset: ImageDataset, masks: [Bool]) {
        guard count >= 0, count <= 10_000_000 else {
            throw ConvKitError.invalidArgument(name: "shapes count", reason: "\(count) is outside 0…10,000,000")
        }
        var random = RandomGenerator(seed: seed)
        let order = random.permutation(count)
        var labels = [UInt8](repeating: 0, count: count)
        for (i, slot) in order.enumerated() { labels[slot] = UInt8(i % 10) }

        let plane = side * side
        var images = [UInt8](repeating: 0, count: count * 3 * plane)
        var masks = [Bool](repeating: false, count: keepMasks ? count * plane : plane)
        for i in 0..<count {
            draw(Int(labels[i]), into: &images, at: i * 3 * plane, mask: &masks, at: keepMasks ? i * plane : 0, random: &random)
        }
        let dataset = try ImageDataset(name: "shapes", images: images, labels: labels, imageShape: imageShape, classNames: classNames)
        return (dataset, keepMasks ? masks : [])
    }

    /// Draws one image of class `label` into `out[offset...]` (3 planes of 32×32 bytes), its shape
    /// mask into `mask[maskOffset ..< maskOffset + 32·32]`.
    private static func draw(_ label: Int, into out: inout [UInt8], at offset: Int, mask: inout [Bool], at maskOffset: Int,
                             random: inout RandomGenerator) {
        var b0 = 0, b1 = 0, b2 = 0, f0 = 0, f1 = 0, f2 = 0
        repeat {
            b0 = random.nextInt(below: 256); b1 = random.nextInt(below: 256); b2 = random.nextInt(below: 256)
            f0 = random.nextInt(below: 256); f1 = random.nextInt(below: 256); f2 = random.nextInt(below: 256)
        } while (f0 + f1 + f2) - (b0 + b1 + b2) < minimumContrast
        let r = random.uniform(6, 11)
        let cx = random.uniform(r, Float(side) - r)
        let cy = random.uniform(r, Float(side) - r)
        drawMask(label, r: r, cx: cx, cy: cy, into: &mask, at: maskOffset)

        let plane = side * side
        for p in 0..<plane {
            let bits = random.next()
            let inside = mask[maskOffset + p]
            out[offset + p] = noisy(inside ? f0 : b0, bits)
            out[offset + plane + p] = noisy(inside ? f1 : b1, bits >> 16)
            out[offset + 2 * plane + p] = noisy(inside ? f2 : b2, bits >> 32)
        }
    }

    /// How much brighter the shape colour is than the background, summed over the channels.
    static let minimumContrast = 250

    /// Sets `mask[offset ..< offset + 32·32]` (32×32, row-major) to the pixels whose centres lie inside
    /// the shape of class `label` with half-extent `r` centred at (`cx`, `cy`) in pixel units (pixel x
    /// spans x…x+1).
    static func drawMask(_ label: Int, r: Float, cx: Float, cy: Float, into mask: inout [Bool], at offset: Int = 0) {
        for p in offset..<(offset + side * side) { mask[p] = false }
        for y in max(0, Int(cy - r) - 1)...min(side - 1, Int(cy + r) + 1) {
            for x in max(0, Int(cx - r) - 1)...min(side - 1, Int(cx + r) + 1) {
                let dx = Float(x) + 0.5 - cx, dy = Float(y) + 0.5 - cy
                mask[offset + y * side + x] = contains(label, dx: dx, dy: dy, r: r)
            }
        }
    }

    /// `base` plus triangular noise from the low 16 bits of `bits`, clamped to a byte.
    @inline(__always)
    private static func noisy(_ base: Int, _ bits: UInt64) -> UInt8 {
        let noise = (Int(bits & 0xFF) &+ Int((bits >> 8) & 0xFF) &- 255) / 8
        return UInt8(clamping: base &+ noise)
    }

    /// Whether the pixel centre at offset (dx, dy) from the shape's centre lies inside the shape.
    private static func contains(_ label: Int, dx: Float, dy: Float, r: Float) -> Bool {
        let ax = abs(dx), ay = abs(dy)
        let thin = max(1, 0.25 * r), bar = max(1, 0.3 * r)
        switch label {
        case 0: return dx * dx + dy * dy <= r * r
        case 1: return ax <= 0.85 * r && ay <= 0.85 * r
        case 2: return dy >= -r && dy <= 0.8 * r && ax <= (dy + r) / 1.8
        case 3:
            let d2 = dx * dx + dy * dy
            return d2 <= r * r && d2 >= 0.3025 * r * r  // 0.55² = 0.3025
        case 4: return (ax <= thin && ay <= r) || (ay <= thin && ax <= r)
        case 5: return ax <= r && ay <= bar
        case 6: return ay <= r && ax <= bar
        case 7: return ax + ay <= 1.1 * r
        case 8: return ax <= r && ay <= r && abs(dx - dy) <= bar * 1.4142135  // perpendicular half-width `bar`
        default:
            let dot = max(1.2, 0.28 * r), h = 0.5 * r
            let ex = ax - h, ey = ay - h  // symmetric: distance to the nearest of the four dot centres
            return ex * ex + ey * ey <= dot * dot
        }
    }
}
