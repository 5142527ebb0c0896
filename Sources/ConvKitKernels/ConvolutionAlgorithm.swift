import Foundation

/// How a convolution layer computes its passes (forward, input and weight gradients).
///
/// - ``im2col``: unfold the input into a column matrix (C·kh·kw × oh·ow) and multiply it by the
///   weights with SGEMM: any geometry; each output is a plain sum of C·kh·kw products.
/// - ``winograd``: Winograd F(2×2, 3×3) (Lavin & Gray 2015) for 3×3, stride-1, undilated,
///   ungrouped convolutions: 2×2 outputs from a 4×4 input tile by 16 products instead of 36, as
///   16 SGEMMs over the channels in the transform domain (see `winograd.c`). 2.25× fewer multiplies
///   on maps with even sides (fewer on odd ones, whose last tiles are half used); the transforms
///   round differently, so outputs differ from ``im2col``'s in the last bits (at 64 channels within
///   2·10⁻⁶ of the largest output, in the kernel tests; exact on integer data).
/// - ``direct``: direct convolution on the flat domain (see `direct.c`) for stride-1, undilated,
///   ungrouped convolutions: no column matrix; each output is the same sum of C·kh·kw products
///   as im2col's, in the same order (with fused multiply-adds on AVX2 and AVX-512), over zero
///   padding that is copied in.
///
/// ``preferred(window:groups:outputChannels:)`` picks per shape; `CONVKIT_CONVOLUTION` forces one.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    case im2col
    case winograd
    case direct

    /// The environment variable that forces an algorithm: `im2col`, `winograd` (where it applies;
    /// other shapes keep im2col) or `auto` (the default, the per-shape rule).
    public static let environmentVariable = "CONVKIT_CONVOLUTION"

    /// Whether this algorithm can compute a convolution of this geometry.
    public func supports(window g: WindowGeometry, groups: Int) -> Bool {
        switch self {
        case .im2col: return true
        case .winograd:
            return groups == 1 && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
                && g.dilationHeight == 1 && g.dilationWidth == 1 && g.outputHeight > 0 && g.outputWidth > 0
        case .direct:
            return groups == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.dilationHeight == 1 && g.dilationWidth == 1
                && g.outputHeight > 0 && g.outputWidth > 0
        }
    }

    /// The algorithm for a shape: the forced one when `CONVKIT_CONVOLUTION` names one that supports
    /// it, else the measured rule (README "Performance": Winograd where it supports the shape and
    /// both channel counts are at least ``winogradMinimumChannels``; narrower layers (an RGB input) spend
    /// more on the transforms than the products save, and maps of at most 3×3 pixels, whose 2×2 tiles are half
    /// empty, ``winogradMaximumProductFraction``).
    public static func preferred(window g: WindowGeometry, groups: Int, outputChannels: Int) -> ConvolutionAlgorithm {
        switch forced {
        case .some(.im2col): return .im2col
        case .some(.winograd): return Self.winograd.supports(window: g, groups: groups) ? .winograd : .im2col
        case .some(.direct): return Self.direct.supports(window: g, groups: groups) ? .direct : .im2col
        case .none:
            if Self.winograd.supports(window: g, groups: groups) {
                let wide = g.channels >= winogradMinimumChannels && outputChannels >= winogradMinimumChannels
                // Products per output against im2col's 9: 16 per 2×2 tile, tiles ⌈oh/2⌉·⌈ow/2⌉.
                let fraction = Double(16 * g.winogradTiles) / Double(9 * g.columnCount)
                if wide && fraction <= winogradMaximumProductFraction { return .winograd }
            }
            if Self.direct.supports(window: g, groups: groups) && outputChannels <= directMaximumOutputChannels
                && directDepths.contains(g.columnRows) {
                return .direct
            }
            return .im2col
        }
    }

    /// Input and output channels from which the rule uses Winograd.
    public static let winogradMinimumChannels = 8

    /// The most output channels for which the rule uses direct convolution: im2col writes one
    /// column-matrix float per O multiply-adds, so the fewer the outputs, the more of its time
    /// the unfolding takes (measured: `scripts/conv-algorithms.sh`, README "Performance").
    public static let directMaximumOutputChannels = 32
    /// The products per output (C·kh·kw) for which the rule uses direct convolution: from an RGB
    /// 3×3 layer's 27 (a 2×2 one's 12 measured slower than im2col) to 512.
    public static let directDepths = 25...512

    /// The largest fraction of im2col's multiplies for which the rule uses Winograd: 0.7, so 4×4,
    /// 5×5 and larger maps (0.44, 0.64, …; 4/9 for even sides) take it and 3×3 (0.79) and smaller do
    /// not (measured: `scripts/conv-algorithms.sh`, README "Performance").
    public static let winogradMaximumProductFraction = 0.7

    /// The algorithm `CONVKIT_CONVOLUTION` forces, nil for `auto`, unset or an invalid value (which
    /// the CLI reports at start-up: ``problem(withRequest:)``). Read once per process.
    public static let forced: ConvolutionAlgorithm? = {
        guard let value = ProcessInfo.processInfo.environment[environmentVariable] else { return nil }
        return ConvolutionAlgorithm(rawValue: value)
    }()

    /// What is wrong with a `CONVKIT_CONVOLUTION` value, or nil.
    public static func problem(withRequest value: String) -> String? {
        value == "auto" || ConvolutionAlgorithm(rawValue: value) != nil ? nil : "'\(value)' is not one of auto, \(allCases.map(\.rawValue).joined(separator: ", "))"
    }
}
