// SGD over all of a network's parameters in one parallel region. At batch 4 a LeNet-5 step has
// ten small parameters (6 to 48,000 values) whose updates ran one after another on one thread;
// here their elements are seen as one concatenated range split into contiguous chunks, one per
// thread. The update is element-wise, so the split changes no value.

/// Below this many elements in all, ``sgdUpdate(_:gradients:velocities:masks:learningRate:momentum:weightDecay:nesterov:threads:)``
/// runs on the calling thread (a handoff costs more than the update).
let parallelUpdateThreshold = 16_384

/// One array's pointers for ``sgdUpdate(_:gradients:velocities:masks:learningRate:momentum:weightDecay:nesterov:threads:)``.
private struct UpdateSegment {
    var theta: UnsafeMutablePointer<Float>?
    var gradient: UnsafePointer<Float>?
    var velocity: UnsafeMutablePointer<Float>?
    var mask: UnsafePointer<Float>?
    /// Index of the segment's first element in the concatenation of all segments.
    var offset = 0
    var count = 0
}

/// One SGD step of several parameters, each as
/// ``sgdUpdate(_:gradient:velocity:mask:learningRate:momentum:weightDecay:nesterov:)`` computes it,
/// in one ``parallelFor(chunks:threads:_:)`` region: the concatenated elements of all `thetas` are
/// split into up to `threads` contiguous chunks. Every element sees the same operations as in the
/// one-array update, so the result is bit-identical to it for any `threads`.
///
/// `gradients` and `masks` have one entry per theta, each as long as its theta (a nil mask: none);
/// `velocities` too when `momentum` ≠ 0 (then updated in place; ignored, and may be empty, when
/// `momentum` = 0). No buffer may alias another.
public func sgdUpdate(_ thetas: inout [[Float]], gradients: [[Float]], velocities: inout [[Float]], masks: [[Float]?],
                      learningRate: Float, momentum: Float, weightDecay: Float, nesterov: Bool, threads: Int) {
    let n = thetas.count
    let withVelocity = momentum != 0
    precondition(gradients.count == n && masks.count == n && (!withVelocity || velocities.count == n), "sgdUpdate: array counts")
    var total = 0
    for i in 0..<n {
        let count = thetas[i].count
        precondition(gradients[i].count == count && (!withVelocity || velocities[i].count == count)
                     && (masks[i].map { $0.count == count } ?? true), "sgdUpdate: buffer sizes of parameter \(i)")
        total += count
    }
    guard total > 0 else { return }
    let chunks = total >= parallelUpdateThreshold ? max(1, threads) : 1
    var segments = [UpdateSegment](repeating: UpdateSegment(), count: n)
    thetas.withUnsafeMutableBufferPointer { th in
        velocities.withUnsafeMutableBufferPointer { vs in
            gatherPointers(th, gradients, withVelocity ? vs : nil, masks, from: 0, offset: 0, into: &segments) { gathered in
                gathered.withUnsafeBufferPointer { all in
                    parallelFor(chunks: chunks, threads: threads) { chunk in
                        let range = chunkRange(chunk, of: chunks, count: total)
                        for segment in all where segment.offset < range.upperBound && segment.offset + segment.count > range.lowerBound {
                            let lo = max(range.lowerBound, segment.offset) - segment.offset
                            let hi = min(range.upperBound, segment.offset + segment.count) - segment.offset
                            updateSegment(segment, lo..<hi, learningRate: learningRate, momentum: withVelocity ? momentum : 0,
                                          weightDecay: weightDecay, nesterov: nesterov)
                        }
                    }
                }
            }
        }
    }
}

/// Elements `range` of one segment: the SGD step, then the mask.
private func updateSegment(_ segment: UpdateSegment, _ range: Range<Int>, learningRate: Float, momentum: Float,
                           weightDecay: Float, nesterov: Bool) {
    guard let theta = segment.theta, let gradient = segment.gradient, !range.isEmpty else { return }
    let th = theta + range.lowerBound
    sgdStep(theta: th, gradient: gradient + range.lowerBound, velocity: segment.velocity.map { $0 + range.lowerBound },
            count: range.count, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov)
    if let mask = segment.mask {
        let m = mask + range.lowerBound
        for i in 0..<range.count { th[i] *= m[i] }
    }
}

/// Fills `segments[index...]` with the base addresses of the arrays from `index` on, nesting one
/// `withUnsafe…BufferPointer` per array so that every pointer stays valid while `body` runs on
/// the filled segments.
private func gatherPointers(_ thetas: UnsafeMutableBufferPointer<[Float]>, _ gradients: [[Float]],
                            _ velocities: UnsafeMutableBufferPointer<[Float]>?, _ masks: [[Float]?], from index: Int, offset: Int,
                            into segments: inout [UpdateSegment], _ body: ([UpdateSegment]) -> Void) {
    guard index < thetas.count else { return body(segments) }
    thetas[index].withUnsafeMutableBufferPointer { theta in
        gradients[index].withUnsafeBufferPointer { gradient in
            func withMask(_ velocity: UnsafeMutablePointer<Float>?) {
                func record(_ mask: UnsafePointer<Float>?) {
                    segments[index] = UpdateSegment(theta: theta.baseAddress, gradient: gradient.baseAddress, velocity: velocity,
                                                    mask: mask, offset: offset, count: theta.count)
                    gatherPointers(thetas, gradients, velocities, masks, from: index + 1, offset: offset + theta.count,
                                   into: &segments, body)
                }
                if let mask = masks[index] { mask.withUnsafeBufferPointer { record($0.baseAddress) } } else { record(nil) }
            }
            if let velocities { velocities[index].withUnsafeMutableBufferPointer { withMask($0.baseAddress) } } else { withMask(nil) }
        }
    }
}
