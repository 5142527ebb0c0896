import Testing
@testable import ConvKitKernels

/// Every fast path against the general code it replaces: same values, bit for bit.
@Suite struct FastPathTests {
    static func geometry(channels: Int = 1, height: Int, width: Int, kernel: Int, stride: Int = 1, dilation: Int = 1,
                         padding: Int = 0, strideWidth: Int? = nil) -> WindowGeometry {
        let sw = strideWidth ?? stride
        let oh = (height + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
        let ow = (width + 2 * padding - dilation * (kernel - 1) - 1) / sw + 1
        return WindowGeometry(channels: channels, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                              strideHeight: stride, strideWidth: sw, padTop: padding, padLeft: padding,
                              dilationHeight: dilation, dilationWidth: dilation, outputHeight: oh, outputWidth: ow)
    }

    /// Planes for 2×2 pooling: LeNet's 28×28 (14 outputs a row: 8 vector + 6 scalar) and 10×10,
    /// a 40-wide one (16 + 4), odd sizes (the last row and column are never in a window).
    static let poolPlanes: [(Int, Int)] = [(28, 28), (10, 10), (6, 40), (7, 9), (3, 3), (2, 2)]

    /// Values with ties, ±∞, −0 and NaN sprinkled in, so every branch of the choice is taken.
    static func awkward(_ count: Int, seed: UInt64) -> [Float] {
        var values = GemmTests.values(count, seed: seed).map { ($0 * 4).rounded() / 4 }  // many ties
        for i in stride(from: 3, to: count, by: 11) { values[i] = .nan }
        for i in stride(from: 5, to: count, by: 17) { values[i] = -.infinity }
        for i in stride(from: 7, to: count, by: 19) { values[i] = .infinity }
        for i in stride(from: 2, to: count, by: 13) { values[i] = -0.0 }
        return values
    }

    @Test(arguments: poolPlanes)
    func maxPool2x2MatchesGeneral(plane: (Int, Int)) {
        let g = Self.geometry(height: plane.0, width: plane.1, kernel: 2, stride: 2)
        #expect(isPlain2x2(g))
        for seed: UInt64 in [1, 2, 3] {
            let x = seed == 1 ? GemmTests.values(plane.0 * plane.1, seed: seed) : Self.awkward(plane.0 * plane.1, seed: seed)
            let outputs = g.outputHeight * g.outputWidth
            var fastY = [Float](repeating: 7, count: outputs), slowY = fastY
            var fastIndex = [Int32](repeating: -7, count: outputs), slowIndex = fastIndex
            maxPoolPlane2x2(x, g, y: &fastY, argmax: &fastIndex)
            maxPoolPlaneGeneral(x, g, y: &slowY, argmax: &slowIndex)
            #expect(fastIndex == slowIndex, "\(plane) seed \(seed)")
            #expect(fastY.map(\.bitPattern) == slowY.map(\.bitPattern), "\(plane) seed \(seed)")
        }
    }

    /// Hand-worked windows: NaN first in a row hides the rest of that row only.
    @Test func maxPool2x2NaNAndTies() {
        let g = Self.geometry(height: 2, width: 8, kernel: 2, stride: 2)
        // Windows (top-left index): (1 1 / 1 1) at 0 → the first of equal values, 0;
        // (NaN 5 / 6 7) at 2 → NaN is taken and hides 5; 6 > NaN and 7 > NaN are false → 2;
        // (1 2 / NaN 9) at 4 → 2 (index 5), then NaN (index 12), which hides 9 → 12;
        // (−∞ −∞ / −∞ −∞) at 6 → nothing beats the first → 6.
        let x: [Float] = [1, 1, .nan, 5, 1, 2, -.infinity, -.infinity,
                          1, 1, 6, 7, .nan, 9, -.infinity, -.infinity]
        var y = [Float](repeating: 0, count: 4)
        var index = [Int32](repeating: 0, count: 4)
        maxPoolPlane(x, g, y: &y, argmax: &index)
        #expect(index == [0, 2, 12, 6])
        #expect(y[0] == 1 && y[1].isNaN && y[2].isNaN && y[3] == -.infinity)
    }

    static let unitStride: [WindowGeometry] = [
        geometry(channels: 3, height: 32, width: 32, kernel: 5),   // LeNet conv1: runs of 28
        geometry(channels: 6, height: 14, width: 14, kernel: 5),   // LeNet conv2: runs of 10
        geometry(channels: 2, height: 9, width: 11, kernel: 3, dilation: 2),  // runs of 7 (< 8)
        geometry(channels: 1, height: 4, width: 20, kernel: 1),    // runs of 20 = 16 + 4
    ]

    /// Padded and strided windows: ResNet's 3×3 pad 1 at 32, 16 and 8 wide (runs of 31/32 between
    /// zero borders), its stride-2 3×3 and 1×1 downsamplings, a pad wider than the kernel reach
    /// (whole rows and columns of zeros), dilation with padding, stride 2 along one axis only.
    static let padded: [WindowGeometry] = [
        geometry(channels: 2, height: 32, width: 32, kernel: 3, padding: 1),
        geometry(channels: 3, height: 16, width: 16, kernel: 3, padding: 1),
        geometry(channels: 3, height: 8, width: 8, kernel: 3, padding: 1),
        geometry(channels: 2, height: 5, width: 5, kernel: 3, padding: 1),
        geometry(channels: 2, height: 32, width: 32, kernel: 3, stride: 2, padding: 1),
        geometry(channels: 2, height: 16, width: 16, kernel: 1, stride: 2),
        geometry(channels: 1, height: 4, width: 3, kernel: 2, padding: 4),
        geometry(channels: 2, height: 13, width: 19, kernel: 3, dilation: 2, padding: 2),
        geometry(channels: 2, height: 9, width: 21, kernel: 3, stride: 2, padding: 1, strideWidth: 1),
        geometry(channels: 2, height: 9, width: 21, kernel: 3, padding: 1, strideWidth: 3),
    ]

    @Test(arguments: unitStride + padded)
    func im2colAndCol2imMatchGeneral(g: WindowGeometry) {
        let x = GemmTests.values(g.channels * g.height * g.width, seed: 21)
        var fast = [Float](repeating: .nan, count: g.columnRows * g.columnCount), slow = fast
        im2col(x, g, into: &fast)
        im2colGeneral(x, g, into: &slow)
        #expect(fast == slow)
        let col = GemmTests.values(g.columnRows * g.columnCount, seed: 22)
        let start = GemmTests.values(x.count, seed: 23)
        var fastX = start, slowX = start
        col2im(col, g, into: &fastX)
        col2imGeneral(col, g, into: &slowX)
        #expect(fastX.map(\.bitPattern) == slowX.map(\.bitPattern))
        // Rows `stride` floats apart (images side by side in one column matrix): the same rows, the
        // gaps untouched; col2im reads the same rows back.
        let (rows, count, stride) = (g.columnRows, g.columnCount, g.columnCount + 5)
        var wide = [Float](repeating: 7, count: rows * stride)
        im2col(x, g, into: &wide, rowStride: stride)
        for r in 0..<rows {
            #expect(Array(wide[(r * stride)..<(r * stride + count)]) == Array(slow[(r * count)..<((r + 1) * count)]), "row \(r)")
            #expect(wide[(r * stride + count)..<((r + 1) * stride)].allSatisfy { $0 == 7 })
        }
        var wideCol = [Float](repeating: .nan, count: rows * stride)
        for r in 0..<rows { for t in 0..<count { wideCol[r * stride + t] = col[r * count + t] } }
        var wideX = start
        col2im(wideCol, g, into: &wideX, rowStride: stride)
        #expect(wideX.map(\.bitPattern) == slowX.map(\.bitPattern))
    }

    @Test func reluKernelsMatchDefinition() {
        let count = 37  // 4 vectors + 5 scalars
        let x = Self.awkward(count, seed: 31), dy = GemmTests.values(count, seed: 32)
        var y = [Float](repeating: 9, count: count), dx = y
        reluForward(x, &y, count: count)
        reluBackward(y, dy, &dx, count: count)
        for i in 0..<count {
            #expect(y[i].bitPattern == (x[i] > 0 ? x[i] : 0).bitPattern, "y[\(i)] for x = \(x[i])")
            #expect(dx[i].bitPattern == (y[i] > 0 ? dy[i] : 0).bitPattern)
        }
    }

    @Test func sumAndAddScalar() {
        // 1 + 2 + … + 20 = 210, exact in Float whatever the order.
        let x = (1...20).map(Float.init)
        #expect(sum(x, count: x.count) == 210)
        #expect(sum(x, count: 0) == 0)
        var y = x
        addScalar(0.5, to: &y, count: 19)
        #expect(y == (1...19).map { Float($0) + 0.5 } + [20])
    }

    /// The SIMD SGD step equals the scalar loop of the optimizer's definition bit for bit.
    @Test(arguments: [(Float(0.9), Float(0), false), (0.9, 0.01, true), (0, 0.001, false)])
    func sgdStepMatchesScalarLoop(momentum: Float, weightDecay: Float, nesterov: Bool) {
        let count = 29
        let gradient = GemmTests.values(count, seed: 41)
        var theta = GemmTests.values(count, seed: 42), velocity = GemmTests.values(count, seed: 43)
        var expectedTheta = theta, expectedVelocity = velocity
        let lr: Float = 0.01
        for i in 0..<count {
            var g = gradient[i] + weightDecay * expectedTheta[i]
            if momentum != 0 {
                expectedVelocity[i] = momentum * expectedVelocity[i] + g
                g = nesterov ? g + momentum * expectedVelocity[i] : expectedVelocity[i]
            }
            expectedTheta[i] -= lr * g
        }
        theta.withUnsafeMutableBufferPointer { t in
            velocity.withUnsafeMutableBufferPointer { v in
                sgdStep(theta: t.baseAddress!, gradient: gradient, velocity: momentum != 0 ? v.baseAddress : nil, count: count,
                        learningRate: lr, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov)
            }
        }
        #expect(theta.map(\.bitPattern) == expectedTheta.map(\.bitPattern))
        #expect(velocity.map(\.bitPattern) == expectedVelocity.map(\.bitPattern))
    }
}

/// The thread pool behind parallelFor.
@Suite struct ParallelTests {
    /// Every chunk runs exactly once, for any thread count, also when called from several
    /// threads at once (concurrent regions run inline) and when nested.
    @Test func everyChunkRunsOnce() async {
        final class Counts: @unchecked Sendable {
            var values: [Int]
            init(_ n: Int) { values = [Int](repeating: 0, count: n) }
        }
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<4 {
                group.addTask {
                    let chunks = 7 + task * 11  // 7, 18, 29 and 40 (more than the 32 claim bits)
                    let counts = Counts(chunks)
                    counts.values.withUnsafeMutableBufferPointer { c in
                        let base = c.baseAddress!
                        parallelFor(chunks: chunks, threads: 1 + task) { chunk in
                            base[chunk] += 1
                            parallelFor(chunks: 2, threads: 2) { _ in }  // nested: inline
                        }
                    }
                    return counts.values.allSatisfy { $0 == 1 }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
