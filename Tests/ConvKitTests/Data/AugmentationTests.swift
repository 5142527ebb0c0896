import Testing
@testable import ConvKit

@Suite struct AugmentationTests {
    /// Runs `apply` on one image with the `.unit` table, returning values ×255 as integers.
    func augment(_ image: [UInt8], _ shape: (c: Int, h: Int, w: Int), _ augmentation: Augmentation,
                 random: inout RandomGenerator) throws -> [Int] {
        let table = try Normalization.unit.lookupTable(channels: shape.c)
        var out = [Float](repeating: -7, count: image.count)
        augmentation.apply(image, offset: 0, channels: shape.c, height: shape.h, width: shape.w,
                           table: table, into: &out, outputOffset: 0, random: &random)
        return out.map { Int(($0 * 255).rounded()) }
    }

    @Test func flipMirrorsRowsAboutHalfTheTime() throws {
        // 1×2×3 image [[1,2,3],[4,5,6]]: flipped it reads [[3,2,1],[6,5,4]].
        let image: [UInt8] = [1, 2, 3, 4, 5, 6]
        var random = RandomGenerator(seed: 11)
        var flips = 0
        for _ in 0..<400 {
            var peek = random
            let flipped = peek.next() >> 63 == 1  // the one draw .horizontalFlip makes
            let out = try augment(image, (1, 2, 3), .horizontalFlip, random: &random)
            #expect(random == peek)
            #expect(out == (flipped ? [3, 2, 1, 6, 5, 4] : [1, 2, 3, 4, 5, 6]))
            if flipped { flips += 1 }
        }
        #expect(flips > 150 && flips < 250)  // Binomial(400, 0.5): mean 200, sd 10
    }

    @Test func cropShiftsAndPadsWithZeroPixels() throws {
        // A 1×3×3 image of 1…9. Find a seed whose crop draws are top 5, left 3 (shift +1 down, −1 left
        // after the 4-pixel padding): out[y][x] = src[y+1][x−1], zero where that leaves the image.
        var seed: UInt64 = 0
        while true {
            var probe = RandomGenerator(seed: seed)
            if probe.nextInt(below: 9) == 5, probe.nextInt(below: 9) == 3 { break }
            seed += 1
        }
        var random = RandomGenerator(seed: seed)
        let out = try augment([1, 2, 3, 4, 5, 6, 7, 8, 9], (1, 3, 3), .randomCrop, random: &random)
        #expect(out == [0, 4, 5,
                        0, 7, 8,
                        0, 0, 0])
    }

    @Test func cropAndFlipMatchAPadThenCropReference() throws {
        // Reference: pad the image with 4 zero pixels, crop at the drawn offsets, then mirror.
        let (c, h, w) = (2, 5, 6)
        var pixels = RandomGenerator(seed: 5)
        let image = (0..<(c * h * w)).map { _ in UInt8(1 + pixels.nextInt(below: 255)) }
        var random = RandomGenerator(seed: 99)
        var seen = Set<[Int]>()
        for _ in 0..<200 {
            var peek = random
            let top = peek.nextInt(below: 9), left = peek.nextInt(below: 9), flip = peek.next() >> 63 == 1
            seen.insert([top, left, flip ? 1 : 0])
            var expected: [Int] = []
            for ch in 0..<c {
                var padded = [[Int]](repeating: [Int](repeating: 0, count: w + 8), count: h + 8)
                for y in 0..<h { for x in 0..<w { padded[y + 4][x + 4] = Int(image[ch * h * w + y * w + x]) } }
                for y in 0..<h {
                    let row = Array(padded[top + y][left..<(left + w)])
                    expected += flip ? row.reversed() : row
                }
            }
            #expect(try augment(image, (c, h, w), .standard, random: &random) == expected)
            #expect(random == peek)
        }
        #expect(seen.count > 100)  // most of the 9·9·2 = 162 combinations exercised
    }
}
