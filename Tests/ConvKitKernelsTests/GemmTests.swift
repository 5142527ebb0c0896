import Testing
@testable import ConvKitKernels

/// The packed, register-tiled SGEMM against the naive triple loop, for every transpose
/// combination and for sizes that exercise partial tiles and several K blocks.
@Suite struct GemmTests {
    /// Deterministic pseudo-random values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int32(truncatingIfNeeded: state >> 32)) / Float(Int32.max)
        }
    }

    static let sizes: [(Int, Int, Int)] = [(1, 1, 1), (3, 5, 7), (4, 16, 8), (6, 75, 784), (17, 33, 300), (64, 10, 513), (5, 17, 0)]

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesReference(transposes: (Bool, Bool)) {
        let (ta, tb) = transposes
        for (m, n, k) in Self.sizes {
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (2, -0.5)] {
                let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2)
                var fast = Self.values(m * n, seed: 3)
                var slow = fast
                let lda = ta ? m : k, ldb = tb ? k : n
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        fast.withUnsafeMutableBufferPointer { pc in
                            sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: max(lda, 1),
                                  b: pb.baseAddress!, ldb: max(ldb, 1), beta: beta, c: pc.baseAddress!, ldc: n)
                        }
                        slow.withUnsafeMutableBufferPointer { pc in
                            sgemmReference(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: max(lda, 1),
                                           b: pb.baseAddress!, ldb: max(ldb, 1), beta: beta, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
                let error = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
                #expect(error <= 1e-4 * Float(max(k, 1)).squareRoot(), "m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) error \(error)")
            }
        }
    }

    @Test func handWorkedProduct() {
        // [1 2; 3 4] · [5 6; 7 8] = [1·5+2·7, 1·6+2·8; 3·5+4·7, 3·6+4·8] = [19 22; 43 50]
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        sgemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, beta: 0, c: &c, ldc: 2)
        #expect(c == [19, 22, 43, 50])
    }
}
