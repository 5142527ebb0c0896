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

/// Sets every element of `buffer` to +0 (one memset-style fill; no reallocation).
public func setToZero(_ buffer: inout [Float]) {
    buffer.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
}
