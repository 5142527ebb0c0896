// Single-precision matrix multiply, row-major: C = α·op(A)·op(B) + β·C.
//   op(A): M×K (A is M×K with leading dimension lda, or K×M when transposeA)
//   op(B): K×N (B is K×N with leading dimension ldb, or N×K when transposeB)
//   C:     M×N with leading dimension ldc
//
// The engine is C (target ConvKitKernelsC), a deliberate departure from DESIGN.md's "pure Swift
// kernels": SwiftPM compiles Swift for the baseline ISA (SSE2 on x86-64, where SIMD8<Float> is two
// SSE registers and there is no FMA) and Package.swift may not use unsafeFlags, whereas Clang can
// compile single functions for AVX2+FMA (`__attribute__((target))`) and pick them at run time
// (`__builtin_cpu_supports`). The C side packs op(A) into MR-row and op(B) into 16-column
// micro-panels per K block (thread-local pack buffers, no allocation per call) and runs a 6×16
// AVX2/FMA micro-kernel (12 ymm accumulators), or a portable 4×16 C kernel elsewhere (NEON on
// arm64 through the compiler's vectoriser). The other C kernels (2×2 max pooling, unit-stride
// im2col/col2im) exist for the same reason; the rest of this module stays Swift, and so does the
// naive reference below, so the fast paths are checked against independent code.

import ConvKitKernelsC

/// A family of SGEMM micro-kernels (and of the AVX2 im2col, pooling and GELU kernels they pair with).
/// ``best`` is the one every kernel uses: `CONVKIT_ENGINE` when it names a supported engine, else
/// the fastest this CPU supports (``fastest``).
public enum GemmEngine: String, Sendable, CaseIterable {
    /// Plain C loops (4×16 tile); every CPU.
    case portable
    /// AVX2 + FMA intrinsics (6×16 tile); x86-64 CPUs that report both features and whose OS saves YMM.
    case avx2FMA = "avx2-fma"
    /// AVX-512F (12×32 tile on 16-float vectors); x86-64 CPUs with AVX-512F whose OS saves ZMM and opmask.
    case avx512

    var cValue: ck_engine {
        switch self {
        case .portable: return CK_ENGINE_PORTABLE
        case .avx2FMA: return CK_ENGINE_AVX2_FMA
        case .avx512: return CK_ENGINE_AVX512
        }
    }

    init(_ value: ck_engine) {
        switch value {
        case CK_ENGINE_AVX512: self = .avx512
        case CK_ENGINE_AVX2_FMA: self = .avx2FMA
        default: self = .portable
        }
    }

    /// Whether this CPU can run the engine (cpuid and XGETBV).
    public var isSupported: Bool { ck_engine_supported(cValue) }

    /// The engine the kernels use (decided once per process; see the type's description).
    public static var best: GemmEngine { GemmEngine(ck_best_engine()) }

    /// The fastest engine this CPU supports, whatever `CONVKIT_ENGINE` says.
    public static var fastest: GemmEngine { GemmEngine(ck_fastest_engine()) }

    /// The environment variable that forces an engine.
    public static let environmentVariable = "CONVKIT_ENGINE"

    /// The engine a `CONVKIT_ENGINE` value names (`portable`, `avx2` or `avx2-fma`, `avx512`), or nil.
    public static func named(_ name: String) -> GemmEngine? {
        let value = ck_engine_named(name)
        return value < 0 ? nil : GemmEngine(ck_engine(rawValue: UInt32(value)))
    }

    /// What is wrong with a `CONVKIT_ENGINE` value (unknown, or not supported by this CPU), or nil.
    public static func problem(withRequest name: String) -> String? {
        guard let engine = named(name) else { return "'\(name)' is not one of portable, avx2, avx512" }
        guard engine.isSupported else { return "this CPU cannot run the \(engine.rawValue) engine (fastest here: \(fastest.rawValue))" }
        return nil
    }

    /// GEMM block sizes of this engine on this CPU (from its caches): depth KC, rows MC, columns NC.
    public var blocking: (kc: Int, mc: Int, nc: Int) {
        let b = ck_engine_blocking(cValue)
        return (b.kc, b.mc, b.nc)
    }
}

/// The data caches the blocking is computed from (bytes; `measured` is false when the system did
/// not say and typical sizes, 32 KiB and 512 KiB, stand in).
public struct CacheSizes: Sendable, Equatable {
    public var level1Data: Int, level2: Int, level3: Int
    /// Logical CPUs sharing the L3.
    public var level3Sharing: Int
    public var measured: Bool

    /// The caches of the CPU this process runs on.
    public static var current: CacheSizes {
        let c = ck_caches()
        return CacheSizes(level1Data: c.l1d, level2: c.l2, level3: c.l3, level3Sharing: c.l3_sharing, measured: c.measured)
    }

    /// The blocking `ck_blocking_for` computes for an MR×NR tile on these caches.
    func blocking(tileRows: Int, tileColumns: Int) -> (kc: Int, mc: Int, nc: Int) {
        let b = ck_blocking_for(tileRows, tileColumns, ck_cache_info(l1d: level1Data, l2: level2, l3: level3,
                                                                    l3_sharing: level3Sharing, measured: measured))
        return (b.kc, b.mc, b.nc)
    }
}

/// The AVX-512 engine's tile and blocking compiled for AVX2 (tests only; sgemm_wide.c). Returns
/// false without running when the CPU has no AVX2.
func sgemmWideOnAVX2(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
    ck_sgemm_wide_on_avx2(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// C = α·op(A)·op(B) + β·C (row-major, see file header) with the best engine. Single-threaded.
/// β = 0 does not read C.
public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    ck_sgemm(ck_best_engine(), transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with an explicit engine
/// (tests force the portable one; an unsupported engine runs the portable one).
func sgemm(engine: GemmEngine, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    ck_sgemm(engine.cValue, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// Column blocks of C handed to one thread are multiples of this width (the micro-kernel's).
let gemmColumnGrain = 16
/// Below this many multiply-adds a GEMM runs on one thread: waking a second one costs more.
let gemmParallelThreshold = 1 << 21

/// The multi-threaded ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``:
/// the columns of C are split into `threads` contiguous blocks, one per thread. Every element is
/// still summed in the same order, so the result is bit-identical for any `threads`.
public func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
    let grains = (n + gemmColumnGrain - 1) / gemmColumnGrain
    let chunks = min(max(threads, 1), grains)
    guard chunks > 1, m &* n &* k >= gemmParallelThreshold else {
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
              b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    let engine = ck_best_engine()
    parallelFor(chunks: chunks, threads: threads) { chunk in
        let range = chunkRange(chunk, of: chunks, count: grains)
        let j0 = range.lowerBound * gemmColumnGrain
        let j1 = min(range.upperBound * gemmColumnGrain, n)
        guard j1 > j0 else { return }
        // op(B) columns j0..<j1: B + j0 (K×N) or B + j0·ldb (N×K).
        let bBlock = transposeB ? b + j0 * ldb : b + j0
        ck_sgemm(engine, transposeA, transposeB, m, j1 - j0, k, alpha, a, lda, bBlock, ldb, beta, c + j0, ldc)
    }
}

/// The naive triple loop with the same contract as ``sgemm``: the reference the fast path is
/// tested against. Accumulates in Double.
public func sgemmReference(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(sum) + old
        }
    }
}

/// The array entry point of the threaded
/// ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:threads:)``:
/// c = α·op(a)·op(b) + β·c with the same row-major layouts, leading dimensions and results.
/// The arrays must hold the matrices their sizes and leading dimensions describe; `c` must not
/// be `a` or `b`.
public func multiplyMatrices(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: [Float], lda: Int, b: [Float], ldb: Int,
                             beta: Float, c: inout [Float], ldc: Int, threads: Int) {
    precondition(m >= 0 && n >= 0 && k >= 0, "multiplyMatrices: negative size")
    precondition(m == 0 || n == 0 || ((m - 1) * ldc + n <= c.count
                 && (k == 0 || ((transposeA ? (k - 1) * lda + m : (m - 1) * lda + k) <= a.count
                                && (transposeB ? (n - 1) * ldb + k : (k - 1) * ldb + n) <= b.count))),
                 "multiplyMatrices: matrix outside its array")
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                      b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc, threads: threads)
            }
        }
    }
}
