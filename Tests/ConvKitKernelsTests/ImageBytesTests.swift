import Testing
@testable import ConvKitKernels

/// The byte-image kernels against plain loops written here.
@Suite struct ImageBytesTests {
    /// A table that makes every output traceable: channel c, byte x → 1000·c + x.
    static func table(channels: Int) -> [Float] {
        (0..<(channels * 256)).map { (i: Int) -> Float in Float(1000 * (i / 256) + i % 256) }
    }

    @Test func recordsAreSplitAndBadLabelsFound() {
        // 4 records of 1 label + 5 bytes; written from index 2 of the outputs.
        let recordSize = 6
        var source: [UInt8] = []
        for r in 0..<4 { source += [UInt8(r * 3)] + (0..<5).map { UInt8(10 * r + $0) } }
        var images = [UInt8](repeating: 99, count: 6 * 5), labels = [UInt8](repeating: 99, count: 6)
        #expect(splitLabelledRecords(source, recordCount: 4, recordSize: recordSize, maximumLabel: 9,
                                     images: &images, labels: &labels, first: 2) == nil)
        #expect(labels == [99, 99, 0, 3, 6, 9])
        #expect(Array(images[0..<10]) == [UInt8](repeating: 99, count: 10))
        #expect(Array(images[10...]) == (0..<4).flatMap { r in (0..<5).map { UInt8(10 * r + $0) } })
        // Labels 0, 3, 6, 9: with a maximum of 5, record 2 (label 6) is the first bad one.
        #expect(splitLabelledRecords(source, recordCount: 4, recordSize: recordSize, maximumLabel: 5,
                                     images: &images, labels: &labels, first: 0) == 2)
    }

    @Test func gatherConvertsImagesInOrder() {
        // 3 images of 2 channels × 4 bytes; batch = images 2, 0 (order[1...2]).
        let pixels = (0..<24).map { (i: Int) -> UInt8 in UInt8(i * 9 % 256) }
        let order = [1, 2, 0], table = Self.table(channels: 2)
        var out = [Float](repeating: -1, count: 2 * 8 + 3)
        gatherBytesThroughTable(pixels, imageSize: 8, channels: 2, order: order, first: 1, count: 2, table: table, into: &out)
        var expected: [Float] = []
        for image in [2, 0] { for e in 0..<8 { expected.append(Float(1000 * (e / 4)) + Float(pixels[image * 8 + e])) } }
        #expect(Array(out[0..<16]) == expected)
        #expect(Array(out[16...]) == [-1, -1, -1])  // beyond the batch: untouched
    }

    @Test func shiftedConversionMatchesPadCropFlip() {
        // One 2×3×4 image at offset 5 of the pixel array, written at offset 3 of the output.
        let (c, h, w) = (2, 3, 4)
        let pixels = (0..<(5 + c * h * w)).map { (i: Int) -> UInt8 in UInt8(1 + i * 7 % 200) }
        let table = Self.table(channels: c)
        for shiftY in -4...4 {
            for shiftX in -4...4 {
                for flip in [false, true] {
                    var out = [Float](repeating: -1, count: 3 + c * h * w)
                    shiftedBytesThroughTable(pixels, offset: 5, channels: c, height: h, width: w, shiftY: shiftY, shiftX: shiftX,
                                             flip: flip, table: table, into: &out, outputOffset: 3)
                    var expected: [Float] = [-1, -1, -1]
                    for ch in 0..<c {
                        for y in 0..<h {
                            for x in 0..<w {
                                let sy = y + shiftY, sx = (flip ? w - 1 - x : x) + shiftX
                                let byte = sy >= 0 && sy < h && sx >= 0 && sx < w ? pixels[5 + ch * h * w + sy * w + sx] : 0
                                expected.append(table[ch * 256 + Int(byte)])
                            }
                        }
                    }
                    #expect(out == expected, "shift (\(shiftY), \(shiftX)) flip \(flip)")
                }
            }
        }
    }

    @Test func histogramCountsEveryChannel() {
        // 5 images of 3 channels × 7 bytes.
        let pixels = (0..<(5 * 3 * 7)).map { (i: Int) -> UInt8 in UInt8(i * 13 % 11) }
        let histogram = byteHistogram(pixels, imageCount: 5, channels: 3, plane: 7)
        var expected = [Int](repeating: 0, count: 3 * 256)
        for (i, byte) in pixels.enumerated() { expected[(i / 7) % 3 * 256 + Int(byte)] += 1 }
        #expect(histogram == expected)
        #expect(histogram.reduce(0, +) == 105)
    }
}
