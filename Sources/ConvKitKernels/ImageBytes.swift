// Byte-image loops of the dataset readers and the batch loader: splitting labelled records,
// converting pixel bytes to Float32 through a per-channel lookup table (straight, or shifted and
// mirrored for augmentation), and per-channel byte histograms. Images are `C × H × W` planes of
// bytes, row-major, stored back to back; tables hold 256 Float32 values per channel
// (`table[c·256 + x]` is byte x on channel c).

/// Splits `recordCount` records of `recordSize` bytes — one label byte, then `recordSize − 1`
/// image bytes — from the start of `source` into `labels[first + r]` and
/// `images[(first + r)·(recordSize − 1) ..< …]`, record by record.
/// - Returns: nil, or the index of the first record whose label is above `maximumLabel` (it and
///   the records after it are not copied).
public func splitLabelledRecords(_ source: [UInt8], recordCount: Int, recordSize: Int, maximumLabel: UInt8,
                                 images: inout [UInt8], labels: inout [UInt8], first: Int) -> Int? {
    let pixelsPerImage = recordSize - 1
    precondition(recordSize >= 1 && recordCount >= 0 && first >= 0 && source.count >= recordCount * recordSize
                 && labels.count >= first + recordCount && images.count >= (first + recordCount) * pixelsPerImage,
                 "splitLabelledRecords: buffers too small")
    return source.withUnsafeBufferPointer { source -> Int? in
        images.withUnsafeMutableBufferPointer { pixels -> Int? in
            labels.withUnsafeMutableBufferPointer { labelOut -> Int? in
                guard let src = source.baseAddress, let dst = pixels.baseAddress else { return nil }
                for r in 0..<recordCount {
                    let record = src + r &* recordSize
                    let label = record[0]
                    guard label <= maximumLabel else { return r }
                    labelOut[first &+ r] = label
                    (dst + (first &+ r) &* pixelsPerImage).update(from: record + 1, count: pixelsPerImage)
                }
                return nil
            }
        }
    }
}

/// Converts a batch of images through `table`: output image k (`out[k·imageSize ..< (k+1)·imageSize]`)
/// is image `order[first + k]` of `pixels` (images of `imageSize` bytes, `channels` planes each), for
/// k in `0..<count`; `out[i] = table[c·256 + byte]` with c the channel of element i. The images are
/// split into min(threads, count) contiguous runs converted in parallel, as the layers split a batch
/// (each thread then finds its own images in its cache); the result does not depend on `threads`.
public func gatherBytesThroughTable(_ pixels: [UInt8], imageSize: Int, channels: Int, order: [Int], first: Int,
                                    count: Int, table: [Float], into out: inout [Float], threads: Int = 1) {
    precondition(channels >= 1 && table.count >= channels * 256 && first >= 0 && first + count <= order.count
                 && out.count >= count * imageSize, "gatherBytesThroughTable: sizes do not match")
    pixels.withUnsafeBufferPointer { pixels in
        table.withUnsafeBufferPointer { lut in
            order.withUnsafeBufferPointer { order in
                out.withUnsafeMutableBufferPointer { out in
                    guard let source = pixels.baseAddress, let target = out.baseAddress, let lut = lut.baseAddress,
                          let order = order.baseAddress else { return }
                    let chunks = max(1, min(max(threads, 1), count))
                    parallelFor(chunks: chunks, threads: threads) { chunk in
                        for k in chunkRange(chunk, of: chunks, count: count) {
                            convert(source + order[first &+ k] &* imageSize, count: imageSize, channels: channels, table: lut,
                                    into: target + k &* imageSize)
                        }
                    }
                }
            }
        }
    }
}

/// Straight conversion of one image through the per-channel table.
@inline(__always)
private func convert(_ image: UnsafePointer<UInt8>, count: Int, channels: Int,
                     table: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    let plane = count / channels
    for c in 0..<channels {
        let lut = table + c &* 256
        let source = image + c &* plane, target = out + c &* plane
        for p in 0..<plane { target[p] = lut[Int(source[p])] }
    }
}

/// Converts one `channels × height × width` byte image, starting at `pixels[offset]`, through
/// `table` into `out[outputOffset...]`, shifted and optionally mirrored: output pixel (y, x) of
/// channel c reads source pixel (y + shiftY, x' + shiftX) with x' = width − 1 − x when `flip`, else
/// x; a source position outside the image reads byte 0 (the value `table[c·256]`). This is a
/// random crop of the image padded with zero pixels, then a horizontal flip.
public func shiftedBytesThroughTable(_ pixels: [UInt8], offset: Int, channels: Int, height: Int, width: Int,
                                     shiftY: Int, shiftX: Int, flip: Bool, table: [Float],
                                     into out: inout [Float], outputOffset: Int) {
    let size = channels * height * width
    precondition(offset >= 0 && offset + size <= pixels.count && outputOffset >= 0 && outputOffset + size <= out.count
                 && table.count >= channels * 256, "shiftedBytesThroughTable: sizes do not match")
    pixels.withUnsafeBufferPointer { pixels in
        table.withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { out in
                guard let image = pixels.baseAddress.map({ $0 + offset }), let table = table.baseAddress,
                      let out = out.baseAddress.map({ $0 + outputOffset }) else { return }
                let plane = height &* width
                for c in 0..<channels {
                    let lut = table + c &* 256
                    let padValue = lut[0]
                    let source = image + c &* plane
                    let target = out + c &* plane
                    for y in 0..<height {
                        let sy = y &+ shiftY
                        let row = target + y &* width
                        guard sy >= 0, sy < height else {
                            row.update(repeating: padValue, count: width)
                            continue
                        }
                        let sourceRow = source + sy &* width
                        for x in 0..<width {
                            let sx = (flip ? width &- 1 &- x : x) &+ shiftX
                            row[x] = sx >= 0 && sx < width ? lut[Int(sourceRow[sx])] : padValue
                        }
                    }
                }
            }
        }
    }
}

/// Per-channel byte histograms of `imageCount` images stored back to back as `channels` planes of
/// `plane` bytes each: `result[c·256 + x]` counts the bytes equal to x in channel c's planes.
public func byteHistogram(_ pixels: [UInt8], imageCount: Int, channels: Int, plane: Int) -> [Int] {
    precondition(imageCount >= 0 && channels >= 0 && plane >= 0 && pixels.count >= imageCount * channels * plane,
                 "byteHistogram: fewer bytes than images")
    var histogram = [Int](repeating: 0, count: channels * 256)
    pixels.withUnsafeBufferPointer { pixels in
        histogram.withUnsafeMutableBufferPointer { counts in
            var offset = 0
            for _ in 0..<imageCount {
                for c in 0..<channels {
                    let bins = c &* 256
                    for p in offset..<(offset &+ plane) { counts[bins &+ Int(pixels[p])] &+= 1 }
                    offset &+= plane
                }
            }
        }
    }
    return histogram
}
