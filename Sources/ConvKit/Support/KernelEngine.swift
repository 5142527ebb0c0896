import ConvKitKernels
import Foundation

/// The kernel engine this process runs (see ``GemmEngine``) and the cache sizes its GEMM blocking
/// comes from, for `convkit bench` and for the check of `CONVKIT_ENGINE` at start-up.
public enum KernelEngine {
    /// The engine in use: `portable`, `avx2-fma` or `avx512`.
    public static var name: String { GemmEngine.best.rawValue }

    /// The fastest engine this CPU supports.
    public static var fastestName: String { GemmEngine.fastest.rawValue }

    /// The data caches (bytes) and whether the system reported them.
    public static var caches: CacheSizes { CacheSizes.current }

    /// The GEMM blocking of the engine in use: depth KC, rows MC, columns NC.
    public static var blocking: (kc: Int, mc: Int, nc: Int) { GemmEngine.best.blocking }

    /// The convolution algorithm setting: `auto` (Winograd F(2×2, 3×3) where the per-shape rule picks
    /// it, else im2col), or the one `CONVKIT_CONVOLUTION` forces (`im2col`, `winograd`, `winograd4`, `direct`).
    public static var convolution: String { ConvolutionAlgorithm.forced?.rawValue ?? "auto" }

    /// One line: `engine avx2-fma (fastest here: avx2-fma); caches L1d 32 KiB, L2 512 KiB, L3 32 MiB
    /// (shared by 2 CPUs); GEMM blocking KC 256, MC 252, NC 8192; convolutions auto`.
    public static var description: String {
        func size(_ bytes: Int) -> String {
            bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
        }
        let c = caches, b = blocking
        let l3 = c.level3 > 0 ? ", L3 \(size(c.level3)) (shared by \(c.level3Sharing) CPU\(c.level3Sharing == 1 ? "" : "s"))" : ", no L3"
        let caches = "caches L1d \(size(c.level1Data)), L2 \(size(c.level2))" + l3 + (c.measured ? "" : " (not reported: typical sizes assumed)")
        return "engine \(name) (fastest here: \(fastestName)); \(caches); GEMM blocking KC \(b.kc), MC \(b.mc), NC \(b.nc); "
            + "convolutions \(convolution)"
    }

    /// Throws when `CONVKIT_ENGINE` is set to a name that is not an engine or that this CPU cannot
    /// run (the kernels would silently use the fastest engine instead), or `CONVKIT_CONVOLUTION` to
    /// a name that is not `auto`, `im2col` or `winograd`.
    public static func checkEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let requested = environment[GemmEngine.environmentVariable], let problem = GemmEngine.problem(withRequest: requested) {
            throw ConvKitError.invalidArgument(name: GemmEngine.environmentVariable, reason: problem)
        }
        if let requested = environment[ConvolutionAlgorithm.environmentVariable],
           let problem = ConvolutionAlgorithm.problem(withRequest: requested) {
            throw ConvKitError.invalidArgument(name: ConvolutionAlgorithm.environmentVariable, reason: problem)
        }
    }
}
