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

    /// Partial and full 6×16 (AVX2) and 4×16 (portable) tiles, several K blocks (256 deep),
    /// several A blocks (144 rows), and the LeNet-5 shapes (conv1 forward/dW/dcol, fc1 at batch 4).
    static let sizes: [(Int, Int, Int)] = [(1, 1, 1), (3, 5, 7), (4, 16, 8), (6, 16, 256), (7, 17, 257), (12, 32, 3),
                                           (13, 31, 100), (6, 75, 784), (6, 784, 75), (75, 784, 6), (4, 120, 400),
                                           (17, 33, 300), (64, 10, 513), (150, 20, 9), (5, 17, 0)]

    /// Every engine this CPU supports (the portable one always), each transpose combination.
    static let cases: [(GemmEngine, Bool, Bool)] = GemmEngine.allCases.filter(\.isSupported).flatMap { engine in
        [(false, false), (true, false), (false, true), (true, true)].map { (engine, $0.0, $0.1) }
    }

    @Test(arguments: cases)
    func matchesReference(engine: GemmEngine, ta: Bool, tb: Bool) {
        for (m, n, k) in Self.sizes {
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (2, -0.5)] {
                let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2)
                var fast = Self.values(m * n, seed: 3)
                var slow = fast
                let lda = ta ? m : k, ldb = tb ? k : n
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        fast.withUnsafeMutableBufferPointer { pc in
                            sgemm(engine: engine, transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: max(lda, 1),
                                  b: pb.baseAddress!, ldb: max(ldb, 1), beta: beta, c: pc.baseAddress!, ldc: n)
                        }
                        slow.withUnsafeMutableBufferPointer { pc in
                            sgemmReference(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: max(lda, 1),
                                           b: pb.baseAddress!, ldb: max(ldb, 1), beta: beta, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
                let error = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
                #expect(error <= 1e-4 * Float(max(k, 1)).squareRoot(), "\(engine) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) error \(error)")
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

    /// The best engine on this machine is the AVX2 one wherever the CPU has AVX2 and FMA
    /// (fails if dispatch silently fell back to the portable engine on such a CPU).
    @Test func dispatchPicksTheBestSupportedEngine() {
        #expect(GemmEngine.portable.isSupported)
        #expect(GemmEngine.best == (GemmEngine.avx2FMA.isSupported ? .avx2FMA : .portable))
    }

    /// β = 0 must not read C: NaN already in C does not leak into the result.
    @Test(arguments: GemmEngine.allCases.filter(\.isSupported))
    func betaZeroIgnoresC(engine: GemmEngine) {
        let (m, n, k) = (7, 19, 5)
        let a = Self.values(m * k, seed: 4), b = Self.values(k * n, seed: 5)
        var c = [Float](repeating: .nan, count: m * n)
        sgemm(engine: engine, transposeA: false, transposeB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
        #expect(c.allSatisfy { $0.isFinite })
        // k = 0 with β = 0: C becomes exactly zero.
        var empty = [Float](repeating: .nan, count: m * n)
        sgemm(engine: engine, transposeA: false, transposeB: false, m: m, n: n, k: 0, a: a, lda: 1, b: b, ldb: n, beta: 0, c: &empty, ldc: n)
        #expect(empty.allSatisfy { $0 == 0 })
    }

    /// Each element of C is summed in the same order wherever its tile lies, so computing C in
    /// column blocks of any width (as the threaded GEMM does) is bit-identical to one call, and
    /// the threaded GEMM is bit-identical for 1, 2 and 3 threads.
    @Test(arguments: [(false, false), (false, true), (true, true)])
    func columnBlocksAndThreadsAreBitIdentical(ta: Bool, tb: Bool) {
        let (m, n, k) = (13, 300, 700)
        let a = Self.values(m * k, seed: 11), b = Self.values(k * n, seed: 12)
        let lda = ta ? m : k, ldb = tb ? k : n
        let start = Self.values(m * n, seed: 13)
        var whole = start
        sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: &whole, ldc: n)
        var blocks = start
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                blocks.withUnsafeMutableBufferPointer { pc in
                    var j0 = 0
                    for width in [5, 16, 33, 100, 146] {
                        let bBlock = tb ? pb.baseAddress! + j0 * ldb : pb.baseAddress! + j0
                        sgemm(transposeA: ta, transposeB: tb, m: m, n: width, k: k, alpha: 0.5, a: pa.baseAddress!, lda: lda,
                              b: bBlock, ldb: ldb, beta: 1, c: pc.baseAddress! + j0, ldc: n)
                        j0 += width
                    }
                }
            }
        }
        #expect(blocks == whole)
        for threads in [1, 2, 3] {
            var threaded = start
            sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
                  beta: 1, c: &threaded, ldc: n, threads: threads)
            #expect(threaded == whole, "\(threads) threads")
        }
    }
}
