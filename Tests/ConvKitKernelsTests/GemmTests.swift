import Foundation
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

    /// The fastest engine is AVX-512 where supported, else AVX2 wherever the CPU has AVX2 and FMA
    /// (fails if dispatch silently fell back to the portable engine on such a CPU); the engine in
    /// use is CONVKIT_ENGINE's when it names a supported one, else the fastest.
    @Test func dispatchPicksTheBestSupportedEngine() {
        #expect(GemmEngine.portable.isSupported)
        #expect(!GemmEngine.avx512.isSupported || GemmEngine.avx2FMA.isSupported, "AVX-512 implies AVX2 here")
        #expect(GemmEngine.fastest == (GemmEngine.avx512.isSupported ? .avx512 : GemmEngine.avx2FMA.isSupported ? .avx2FMA : .portable))
        let requested = ProcessInfo.processInfo.environment[GemmEngine.environmentVariable].flatMap(GemmEngine.named)
        #expect(GemmEngine.best == (requested.flatMap { $0.isSupported ? $0 : nil } ?? GemmEngine.fastest))
    }

    /// CONVKIT_ENGINE's values, and the reasons one is refused.
    @Test func engineNames() {
        #expect(GemmEngine.named("portable") == .portable && GemmEngine.named("avx2") == .avx2FMA)
        #expect(GemmEngine.named("avx2-fma") == .avx2FMA && GemmEngine.named("avx512") == .avx512)
        #expect(GemmEngine.named("AVX2") == nil && GemmEngine.named("sse") == nil)
        #expect(GemmEngine.problem(withRequest: "sse") == "'sse' is not one of portable, avx2, avx512")
        #expect(GemmEngine.problem(withRequest: "portable") == nil)
        if !GemmEngine.avx512.isSupported {
            #expect(GemmEngine.problem(withRequest: "avx512")?.hasPrefix("this CPU cannot run the avx512 engine") == true)
        }
    }

    /// Blocking from the caches (ck_blocking_for), worked by hand:
    /// - 32 KiB L1, 512 KiB L2, 32 MiB L3 for 2 CPUs (AMD Zen 3 here), 6×16 tile: KC = 32768/(2·16·4)
    ///   = 256; MC = 524288/(2·256·4) = 256 → a multiple of 12: 252; NC = (32 MiB/2)/(2·256·4) = 8192.
    /// - 48 KiB L1, 2 MiB L2, 105 MiB L3 for 2 CPUs (a Sapphire Rapids VM), 12×32 tile: KC = 49152/(2·32·4)
    ///   = 192; MC = 2097152/(2·192·4) = 1365 → capped at 1024 → multiple of 12: 1020;
    ///   NC = (110100480/2)/(2·192·4) = 71680 → capped at 8192 (a multiple of 32).
    /// - no caches reported (typical sizes, no L3), 4×16 tile: KC 256, MC 256, NC = 524288/(2·256·4) = 256.
    @Test func blockingFollowsTheCaches() {
        let zen3 = CacheSizes(level1Data: 32768, level2: 524_288, level3: 33_554_432, level3Sharing: 2, measured: true)
        #expect(zen3.blocking(tileRows: 6, tileColumns: 16) == (256, 252, 8192))
        let sapphire = CacheSizes(level1Data: 49152, level2: 2_097_152, level3: 110_100_480, level3Sharing: 2, measured: true)
        #expect(sapphire.blocking(tileRows: 12, tileColumns: 32) == (192, 1020, 8192))
        let unknown = CacheSizes(level1Data: 32768, level2: 524_288, level3: 0, level3Sharing: 1, measured: false)
        #expect(unknown.blocking(tileRows: 4, tileColumns: 16) == (256, 256, 256))
        let here = CacheSizes.current
        #expect(here.level1Data > 0 && here.level2 > 0)
        for engine in GemmEngine.allCases {
            let b = engine.blocking
            #expect(b.kc >= 8 && b.mc >= 4 && b.nc >= 64, "\(engine) \(b)")
        }
    }

    /// The AVX-512 engine's 12×32 tile compiled for AVX2 against the reference (the same sizes, plus
    /// several 12-row panels, 32-column panels and K blocks of its KC), and where the CPU has AVX-512
    /// the engine itself bit for bit against that build.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func wideTileMatchesReference(ta: Bool, tb: Bool) throws {
        let kc = GemmEngine.avx512.blocking.kc
        for (m, n, k) in Self.sizes + [(25, 65, 2 * kc + 3), (12, 32, kc), (11, 31, kc + 1), (40, 100, 77)] {
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (2, -0.5)] {
                let a = Self.values(m * k, seed: 1), b = Self.values(k * n, seed: 2)
                var wide = Self.values(m * n, seed: 3)
                var slow = wide, engine = wide
                let lda = max(ta ? m : k, 1), ldb = max(tb ? k : n, 1)
                guard sgemmWideOnAVX2(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                      beta: beta, c: &wide, ldc: n) else { return }
                sgemmReference(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                               beta: beta, c: &slow, ldc: n)
                let error = zip(wide, slow).map { abs($0 - $1) }.max() ?? 0
                #expect(error <= 1e-4 * Float(max(k, 1)).squareRoot(), "m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta) error \(error)")
                if GemmEngine.avx512.isSupported, m >= 24, n >= 32 {
                    sgemm(engine: .avx512, transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: &engine, ldc: n)
                    #expect(engine.map(\.bitPattern) == wide.map(\.bitPattern), "AVX-512 vs its AVX2 build, m=\(m) n=\(n) k=\(k)")
                }
            }
        }
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
