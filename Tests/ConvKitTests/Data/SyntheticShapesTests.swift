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

    @Test func shapesStandOutFromTheirBackground() throws {
        // Every image has a background colour and a shape colour at least 150 apart (summed over
        // channels), noise within ±31: so its per-channel value ranges, summed, exceed 150 − 2·31.
        let data = try SyntheticShapes.make(count: 100, seed: 4)
        for i in 0..<data.count {
            var spread = 0
            for c in 0..<3 {
                let plane = data.images[(i * 3_072 + c * 1_024)..<(i * 3_072 + (c + 1) * 1_024)]
                spread += Int(plane.max() ?? 0) - Int(plane.min() ?? 0)
            }
            #expect(spread >= 88, "image \(i) (\(data.classNames[Int(data.labels[i])])) has spread \(spread)")
        }
    }

    @Test func negativeCountThrows() {
        #expect(expectConvKitError { _ = try SyntheticShapes.make(count: -1, seed: 1) } != nil)
    }
}
