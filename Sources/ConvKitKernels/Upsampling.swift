import Foundation

// Nearest and bilinear upsampling of NCHW planes, with PyTorch's index and weight rules
// (aten/src/ATen/native/UpSample.h: nearest_idx, compute_scales_value, area_pixel_compute_scale,
// area_pixel_compute_source_index, guard_index_and_lambda, compute_source_index_and_lambda), in
// float arithmetic as PyTorch's CPU kernels compute them for float tensors:
//   scale   = 1/scale_factor when a scale factor was given, else in/out (float);
//             align_corners: (in − 1)/(out − 1), 0 for out = 1;
//   nearest src(i) = i when out = in, i >> 1 when out = 2·in, else min(⌊i·scale⌋, in − 1);
//   linear  out = in: (i, i) with weights (1, 0); else real = scale·i (align_corners) or
//           max(scale·(i + ½) − ½, 0); i0 = min(⌊real⌋, in − 1), λ1 = clamp(real − i0, 0, 1),
//           i1 = i0 + 1 unless i0 = in − 1, λ0 = 1 − λ1.
// Bilinear output = (x[h0, w0]·λw0 + x[h0, w1]·λw1)·λh0 + (x[h1, w0]·λw0 + x[h1, w1]·λw1)·λh1.
// Planes (N·C of them) are split into min(threads, planes) contiguous chunks; each writes only
// its own planes, so results do not depend on the thread count.

/// The source taps of an upsampling along one axis: output position i reads input positions
/// `index0[i]` and `index1[i]` with weights `lambda0[i]` and `lambda1[i]` (nearest: one tap,
/// `index1 = index0`, weights 1 and 0).
public struct InterpolationAxis: Sendable, Equatable {
    public var index0: [Int]
    public var index1: [Int]
    public var lambda0: [Float]
    public var lambda1: [Float]

    /// PyTorch's `compute_scales_value<float>`: `1/scale` when a positive scale factor was given, else in/out.
    public static func scaleValue(_ scale: Double?, inputSize: Int, outputSize: Int) -> Float {
        if let scale, scale > 0 { return Float(1.0 / scale) }
        return Float(inputSize) / Float(outputSize)
    }

    /// PyTorch's `nearest_idx` (mode `nearest`): the source index of output position `i`.
    public static func nearestIndex(_ i: Int, inputSize: Int, outputSize: Int, scale: Double?) -> Int {
        if outputSize == inputSize { return i }
        if outputSize == 2 * inputSize { return i >> 1 }
        let value = scaleValue(scale, inputSize: inputSize, outputSize: outputSize)
        return min(Int((Float(i) * value).rounded(.down)), inputSize - 1)
    }

    /// PyTorch's `compute_source_index_and_lambda` (mode `bilinear`) for output position `i`.
    public static func linearTaps(_ i: Int, inputSize: Int, outputSize: Int, alignCorners: Bool,
                                  scale: Double?) -> (index0: Int, index1: Int, lambda0: Float, lambda1: Float) {
        if outputSize == inputSize { return (i, i, 1, 0) }
        let ratio: Float
        if alignCorners {
            ratio = outputSize > 1 ? Float(inputSize - 1) / Float(outputSize - 1) : 0
        } else {
            ratio = scaleValue(scale, inputSize: inputSize, outputSize: outputSize)
        }
        var real = alignCorners ? ratio * Float(i) : ratio * (Float(i) + 0.5) - 0.5
        if !alignCorners && real < 0 { real = 0 }
        let index0 = min(Int(real.rounded(.down)), inputSize - 1)
        let lambda1 = min(max(real - Float(index0), 0), 1)
        return (index0, index0 + (index0 < inputSize - 1 ? 1 : 0), 1 - lambda1, lambda1)
    }

    /// Nearest taps for every output position.
    public static func nearest(inputSize: Int, outputSize: Int, scale: Double?) -> InterpolationAxis {
        let index = (0..<outputSize).map { nearestIndex($0, inputSize: inputSize, outputSize: outputSize, scale: scale) }
        return InterpolationAxis(index0: index, index1: index, lambda0: [Float](repeating: 1, count: outputSize),
                                 lambda1: [Float](repeating: 0, count: outputSize))
    }

    /// Linear taps for every output position.
    public static func linear(inputSize: Int, outputSize: Int, alignCorners: Bool, scale: Double?) -> InterpolationAxis {
        let taps = (0..<outputSize).map { linearTaps($0, inputSize: inputSize, outputSize: outputSize, alignCorners: alignCorners, scale: scale) }
        return InterpolationAxis(index0: taps.map(\.index0), index1: taps.map(\.index1), lambda0: taps.map(\.lambda0), lambda1: taps.map(\.lambda1))
    }
}

/// Upsampling forward of `planes` planes `x` (planes, height, width) into `y` (planes, rows.count,
/// columns.count), overwritten: nearest copies `x[index0(row), index0(column)]`; bilinear
/// (`bilinear` true) interpolates the four taps as the file header writes it.
public func upsampleForward(_ x: [Float], planes: Int, height: Int, width: Int, rows: InterpolationAxis, columns: InterpolationAxis,
                            bilinear: Bool, y: inout [Float], threads: Int) {
    let (oh, ow) = (rows.index0.count, columns.index0.count)
    let (inPlane, outPlane) = (height * width, oh * ow)
    precondition(x.count >= planes * inPlane && y.count >= planes * outPlane, "upsampleForward: buffer sizes")
    precondition(rows.index0.allSatisfy { (0..<height).contains($0) } && rows.index1.allSatisfy { (0..<height).contains($0) }
                 && columns.index0.allSatisfy { (0..<width).contains($0) } && columns.index1.allSatisfy { (0..<width).contains($0) },
                 "upsampleForward: taps outside the input")
    guard planes > 0, outPlane > 0 else { return }
    let chunks = max(1, min(max(threads, 1), planes))
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeMutableBufferPointer { ys in
            let (xp, yp) = (xs.baseAddress!, ys.baseAddress!)
            parallelFor(chunks: chunks, threads: threads) { chunk in
                for plane in chunkRange(chunk, of: chunks, count: planes) {
                    let src = xp + plane * inPlane, dst = yp + plane * outPlane
                    for i in 0..<oh {
                        let (r0, r1) = (src + rows.index0[i] * width, src + rows.index1[i] * width)
                        let (h0, h1) = (rows.lambda0[i], rows.lambda1[i])
                        let line = dst + i * ow
                        if !bilinear {
                            for j in 0..<ow { line[j] = r0[columns.index0[j]] }
                            continue
                        }
                        for j in 0..<ow {
                            let (c0, c1, w0, w1) = (columns.index0[j], columns.index1[j], columns.lambda0[j], columns.lambda1[j])
                            let top = r0[c0] * w0 + r0[c1] * w1
                            let bottom = r1[c0] * w0 + r1[c1] * w1
                            line[j] = top * h0 + bottom * h1
                        }
                    }
                }
            }
        }
    }
}

/// Upsampling backward: `dx` (planes, height, width), overwritten, receives every output gradient
/// `dy` (planes, rows.count, columns.count) at its taps, in output order: nearest adds `dy` to the
/// source pixel; bilinear adds `λh·λw·dy` to each of the four (as PyTorch's
/// `cpu_upsample_linear_backward`: taps (h0, w0), (h0, w1), (h1, w0), (h1, w1)).
public func upsampleBackward(_ dy: [Float], planes: Int, height: Int, width: Int, rows: InterpolationAxis, columns: InterpolationAxis,
                             bilinear: Bool, dx: inout [Float], threads: Int) {
    let (oh, ow) = (rows.index0.count, columns.index0.count)
    let (inPlane, outPlane) = (height * width, oh * ow)
    precondition(dy.count >= planes * outPlane && dx.count >= planes * inPlane, "upsampleBackward: buffer sizes")
    precondition(rows.index0.allSatisfy { (0..<height).contains($0) } && rows.index1.allSatisfy { (0..<height).contains($0) }
                 && columns.index0.allSatisfy { (0..<width).contains($0) } && columns.index1.allSatisfy { (0..<width).contains($0) },
                 "upsampleBackward: taps outside the input")
    guard planes > 0, inPlane > 0 else { return }
    let chunks = max(1, min(max(threads, 1), planes))
    dy.withUnsafeBufferPointer { dys in
        dx.withUnsafeMutableBufferPointer { dxs in
            let (gp, dp) = (dys.baseAddress!, dxs.baseAddress!)
            parallelFor(chunks: chunks, threads: threads) { chunk in
                for plane in chunkRange(chunk, of: chunks, count: planes) {
                    let src = gp + plane * outPlane, dst = dp + plane * inPlane
                    dst.update(repeating: 0, count: inPlane)
                    for i in 0..<oh {
                        let (r0, r1) = (dst + rows.index0[i] * width, dst + rows.index1[i] * width)
                        let (h0, h1) = (rows.lambda0[i], rows.lambda1[i])
                        let line = src + i * ow
                        if !bilinear {
                            for j in 0..<ow { r0[columns.index0[j]] += line[j] }
                            continue
                        }
                        for j in 0..<ow {
                            let (c0, c1, w0, w1) = (columns.index0[j], columns.index1[j], columns.lambda0[j], columns.lambda1[j])
                            let g = line[j]
                            r0[c0] += h0 * w0 * g
                            r0[c1] += h0 * w1 * g
                            r1[c0] += h1 * w0 * g
                            r1[c1] += h1 * w1 * g
                        }
                    }
                }
            }
        }
    }
}
