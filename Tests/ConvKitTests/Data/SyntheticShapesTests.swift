import Testing
@testable import ConvKit

@Suite struct SyntheticShapesTests {
    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let a = try SyntheticShapes.make(count: 50, seed: 1)
        let b = try SyntheticShapes.make(count: 50, seed: 1)
        let c = try SyntheticShapes.make(count: 50, seed: 2)
        #expect(a.images == b.images && a.labels == b.labels)
        #expect(a.images != c.images)
        #expect(a.labels != c.labels)
        #expect(a.imageShape == [3, 32, 32])
        #expect(a.images.count == 50 * 3_072)
        #expect(a.classNames.count == 10)
        // A prefix of a larger set is not required to match (labels are shuffled over the whole set),
        // but the generator must not depend on anything but the seed:
        #expect(try SyntheticShapes.make(count: 0, seed: 1).count == 0)
    }

    @Test func labelsAreBalanced() throws {
        let data = try SyntheticShapes.make(count: 205, seed: 3)
        var perClass = [Int](repeating: 0, count: 10)
        for label in data.labels { perClass[Int(label)] += 1 }
        // 205 = 20·10 + 5: classes 0…4 get 21, classes 5…9 get 20.
        #expect(perClass == [21, 21, 21, 21, 21, 20, 20, 20, 20, 20])
    }

    @Test func shapesAreBrighterThanTheirBackground() throws {
        // Shape colour sum ≥ background colour sum + 250. Noise has mean 0 and is clamped to 0…255,
        // which moves a channel's mean by less than 31/4 ≈ 8 (half the noise range, on at most half
        // the draws): so the mean pixel sum inside the mask exceeds the one outside by at least
        // 250 − 2·3·8 = 202.
        let (data, masks) = try SyntheticShapes.generate(count: 100, seed: 4, keepMasks: true)
        for i in 0..<data.count {
            var inside = 0, outside = 0, insideCount = 0
            for p in 0..<1_024 {
                let sum = (0..<3).reduce(0) { $0 + Int(data.images[i * 3_072 + $1 * 1_024 + p]) }
                if masks[i * 1_024 + p] { inside += sum; insideCount += 1 } else { outside += sum }
            }
            #expect(insideCount > 0 && insideCount < 512)
            let difference = Double(inside) / Double(insideCount) - Double(outside) / Double(1_024 - insideCount)
            #expect(difference >= 202, "image \(i): \(difference)")
        }
    }

    /// The mask of class `label` with r = 8 centred at (16, 16), as rows of "#" and ".".
    func mask(_ label: Int) -> [String] {
        var mask = [Bool](repeating: true, count: 1_024)
        SyntheticShapes.drawMask(label, r: 8, cx: 16, cy: 16, into: &mask)
        return (0..<32).map { y in String((0..<32).map { mask[y * 32 + $0] ? "#" : "." }) }
    }

    @Test func masksHaveTheDocumentedGeometry() {
        func count(_ rows: [String]) -> Int { rows.reduce(0) { $0 + $1.filter { $0 == "#" }.count } }
        func at(_ rows: [String], _ x: Int, _ y: Int) -> Bool { Array(rows[y])[x] == "#" }
        // Pixel (x, y) has its centre at (x + 0.5, y + 0.5): offsets from (16, 16) are x − 15.5.
        let circle = mask(0), square = mask(1), ring = mask(3), cross = mask(4), horizontal = mask(5), vertical = mask(6)
        // Circle r = 8: area ≈ π·64 ≈ 201 pixels; square side 1.7·8 = 13.6 → |offset| ≤ 6.8 → 14 columns, 14 rows = 196.
        #expect(abs(count(circle) - 201) <= 8)
        #expect(count(square) == 196)
        // The ring's hole (radius 0.55·8 = 4.4) holds the centre pixels; the circle does not have one.
        #expect(!at(ring, 15, 15) && at(circle, 15, 15) && at(ring, 15, 9))  // (15, 9): distance 6.5
        // Cross: centre filled, corners of its box empty; arms 2·max(1, 2) = 4 wide → |offset| ≤ 2 → 4 pixels.
        #expect(at(cross, 15, 15) && !at(cross, 9, 9) && at(cross, 15, 8))
        #expect(Array(cross[16]).filter { $0 == "#" }.count == 16)  // a full arm row: |offset| ≤ 8 → 16 pixels
        // Bars: 2r = 16 long, 2·max(1, 2.4) = 4.8 → 4 pixels thick; the vertical bar is the horizontal one transposed.
        #expect(count(horizontal) == 64 && count(vertical) == 64)
        for y in 0..<32 { for x in 0..<32 { #expect(at(horizontal, x, y) == at(vertical, y, x)) } }
        // Dots: the centre is empty, the four dot centres (16 ± 4) are filled.
        let dots = mask(9)
        #expect(!at(dots, 15, 15) && at(dots, 11, 11) && at(dots, 20, 11) && at(dots, 11, 20) && at(dots, 20, 20))
        // Diagonal stripe runs top-left to bottom-right: (9, 9) in, (22, 9) out.
        #expect(at(mask(8), 9, 9) && !at(mask(8), 22, 9))
        // All ten masks differ.
        #expect(Set((0..<10).map(mask)).count == 10)
    }

    @Test func negativeCountThrows() {
        #expect(expectConvKitError { _ = try SyntheticShapes.make(count: -1, seed: 1) } != nil)
    }
}
