// Whole-buffer copies and fills on Swift arrays, for callers that must not touch pointers.

/// target[targetOffset ..< targetOffset + count] = source[sourceOffset ..< sourceOffset + count]
/// (one memmove-style copy). Both ranges must lie inside their arrays.
public func copyElements(_ source: [Float], from sourceOffset: Int, into target: inout [Float], at targetOffset: Int, count: Int) {
    precondition(count >= 0 && sourceOffset >= 0 && targetOffset >= 0 && sourceOffset + count <= source.count
                 && targetOffset + count <= target.count, "copyElements: range outside the buffers")
    guard count > 0 else { return }
    source.withUnsafeBufferPointer { from in
        target.withUnsafeMutableBufferPointer { to in
            (to.baseAddress! + targetOffset).update(from: from.baseAddress! + sourceOffset, count: count)
        }
    }
}

/// ``copyElements(_:from:into:at:count:)`` of `count` whole items of `itemSize` elements (images of a
/// batch), split into min(threads, items) contiguous runs of items copied in parallel, as the layers
/// split a batch (``chunkRange(_:of:count:)``): each thread then finds its own images in its cache.
public func copyElements(_ source: [Float], from sourceOffset: Int, into target: inout [Float], at targetOffset: Int,
                         items: Int, itemSize: Int, threads: Int) {
    let count = items * itemSize
    precondition(items >= 0 && itemSize >= 0 && sourceOffset >= 0 && targetOffset >= 0 && sourceOffset + count <= source.count
                 && targetOffset + count <= target.count, "copyElements: range outside the buffers")
    guard count > 0 else { return }
    let chunks = max(1, min(max(threads, 1), items))
    source.withUnsafeBufferPointer { from in
        target.withUnsafeMutableBufferPointer { to in
            let (s, t) = (from.baseAddress! + sourceOffset, to.baseAddress! + targetOffset)
            parallelFor(chunks: chunks, threads: threads) { chunk in
                let range = chunkRange(chunk, of: chunks, count: items)
                (t + range.lowerBound * itemSize).update(from: s + range.lowerBound * itemSize, count: range.count * itemSize)
            }
        }
    }
}

/// target[offset ..< offset + count] = value. The range must lie inside the array.
public func fillElements(_ target: inout [Float], at offset: Int, count: Int, with value: Float) {
    precondition(count >= 0 && offset >= 0 && offset + count <= target.count, "fillElements: range outside the buffer")
    guard count > 0 else { return }
    target.withUnsafeMutableBufferPointer { (to: inout UnsafeMutableBufferPointer<Float>) in
        (to.baseAddress! + offset).update(repeating: value, count: count)
    }
}

/// Sets every element of `buffer` to +0 (one memset-style fill; no reallocation).
public func setToZero(_ buffer: inout [Float]) {
    buffer.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
}

/// target[i] += source[i] for every i (element by element, in SIMD8 blocks; each element sees
/// one float addition, so the result equals the scalar loop bit for bit). The arrays must have
/// the same count. This is the sum of a residual connection and of gradients that meet where
/// a tensor feeds several layers.
public func addElements(_ source: [Float], into target: inout [Float]) {
    precondition(source.count == target.count, "addElements: \(source.count) and \(target.count) elements")
    let count = source.count
    source.withUnsafeBufferPointer { from in
        target.withUnsafeMutableBufferPointer { to in
            guard let s = from.baseAddress, let t = to.baseAddress else { return }
            let (sr, tr) = (UnsafeRawPointer(s), UnsafeMutableRawPointer(t))
            var i = 0
            while i &+ 8 <= count {
                let offset = i &* 4
                let sum = tr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                    + sr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                tr.storeBytes(of: sum, toByteOffset: offset, as: SIMD8<Float>.self)
                i &+= 8
            }
            while i < count {
                t[i] += s[i]
                i &+= 1
            }
        }
    }
}
