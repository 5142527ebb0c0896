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
/// - ``winograd4``: Winograd F(4×4, 3×3) for the same shapes: 4×4 outputs from a 6×6 input tile by
///   36 products instead of 144, as 36 SGEMMs (see `winograd4.c`). 4× fewer multiplies on maps whose
///   sides are multiples of 4; its transforms' constants (¼, ⅙, 1/12, 1/24) are rounded to float,
///   so it is not exact on integers and its outputs differ from ``im2col``'s by more than
///   ``winograd``'s (the kernel tests bound both).
/// - ``direct``: direct convolution on the flat domain (see `direct.c`) for stride-1, undilated,
///   ungrouped convolutions: no column matrix; each output is the same sum of C·kh·kw products
///   as im2col's, in the same order (with fused multiply-adds on AVX2 and AVX-512), over zero
///   padding that is copied in.
/// - ``depthwise``: depthwise convolution (C/groups = 1: each output channel reads one input
///   channel), any kernel, stride, padding and dilation: each plane slides its kernel over a
///   zero-padded copy (see `depthwise.c`) instead of one single-row GEMM per group; outputs are
///   sums of the kh·kw products in tap order, as im2col's.
///
/// ``preferred(window:groups:outputChannels:)`` picks per shape; `CONVKIT_CONVOLUTION` forces one.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    case im2col
    case winograd
    case winograd4
    case direct
    case depthwise

    /// Whether this is one of the Winograd algorithms (``winograd``, ``winograd4``).
    public var isWinograd: Bool { self == .winograd || self == .winograd4 }

    /// The environment variable that forces an algorithm: `im2col`, `winograd`, `winograd4`, `direct`, `depthwise`
    /// (where it applies; other shapes keep im2col) or `auto` (the default, the per-shape rule).
    public static let environmentVariable = "CONVKIT_CONVOLUTION"

    /// Whether this algorithm can compute a convolution of this geometry.
    public func supports(window g: WindowGeometry, groups: Int) -> Bool {
        switch self {
        case .im2col: return true
        case .winograd, .winograd4:
            return groups == 1 && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
                && g.dilationHeight == 1 && g.dilationWidth == 1 && g.outputHeight > 0 && g.outputWidth > 0
        case .depthwise:
            return groups > 1 && g.channels == 1 && g.outputHeight > 0 && g.outputWidth > 0
        case .direct:
            return groups == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.dilationHeight == 1 && g.dilationWidth == 1
                && g.outputHeight > 0 && g.outputWidth > 0
        }
    }

    /// The algorithm for a shape: the forced one when `CONVKIT_CONVOLUTION` names one that supports
    /// it, else the measured rule (README "Performance"): depthwise convolution wherever it applies; F(4×4, 3×3) for 3×3 layers with enough
    /// channels (``winograd4MinimumProductsPerValue``) on maps of at least ``winograd4MinimumSide``;
    /// else F(2×2, 3×3) where both channel counts are at least ``winogradMinimumChannels`` (narrower
    /// layers, an RGB input, spend more on the transforms than the products save) and the map is large
    /// enough for its tiles (``winogradMaximumProductFraction``); else direct convolution for small
    /// stride-1 layers; else im2col.
    public static func preferred(window g: WindowGeometry, groups: Int, outputChannels: Int) -> ConvolutionAlgorithm {
        switch forced {
        case .some(.im2col): return .im2col
        case .some(.winograd): return Self.winograd.supports(window: g, groups: groups) ? .winograd : .im2col
        case .some(.winograd4): return Self.winograd4.supports(window: g, groups: groups) ? .winograd4 : .im2col
        case .some(.direct): return Self.direct.supports(window: g, groups: groups) ? .direct : .im2col
        case .some(.depthwise): return Self.depthwise.supports(window: g, groups: groups) ? .depthwise : .im2col
        case .none:
            if Self.depthwise.supports(window: g, groups: groups) { return .depthwise }
            if Self.winograd4.supports(window: g, groups: groups)
                && Double(g.channels * outputChannels) / Double(g.channels + outputChannels) >= winograd4MinimumProductsPerValue
                && min(g.outputHeight, g.outputWidth) >= winograd4MinimumSide {
                return .winograd4
            }
            if Self.winograd.supports(window: g, groups: groups) {
                let wide = g.channels >= winogradMinimumChannels && outputChannels >= winogradMinimumChannels
                // Products per output against im2col's 9: 16 per 2×2 tile, tiles ⌈oh/2⌉·⌈ow/2⌉.
                let fraction = Double(16 * g.winogradTiles(outputTile: 2)) / Double(9 * g.columnCount)
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

    /// The rule uses F(4×4, 3×3) where C·O/(C + O) is at least this: the products per value the
    /// transforms read or write (a tile's transforms cost ∝ C + O, its products ∝ C·O), so that the
    /// products it saves over F(2×2, 3×3) outweigh its costlier transforms. 16: airbench94's 24 → 64
    /// layer (17.5) and every layer of 32 channels or more in and out take it; 16 → 16 (8) does not.
    public static let winograd4MinimumProductsPerValue = 16.0
    /// The smallest output side on which the rule uses F(4×4, 3×3): on 5×5 and smaller maps one or
    /// two 4×4 tiles per side leave most of the 8 lanes and outputs of its transforms empty, and
    /// F(2×2, 3×3) or im2col was measured faster (`scripts/conv-algorithms.sh`, README "Performance").
    public static let winograd4MinimumSide = 6

    /// The most output channels for which the rule uses direct convolution: im2col writes one
    /// column-matrix float per O multiply-adds, so the fewer the outputs, the more of its time
    /// the unfolding takes (measured: `scripts/conv-algorithms.sh`, README "Performance").
    public static let directMaximumOutputChannels = 32
    /// The products per output (C·kh·kw) for which the rule uses direct convolution: from an RGB
    /// 3×3 layer's 27 (a 2×2 one's 12 measured slower than im2col) to 512.
    public static let directDepths = 25...512

    /// The largest fraction of im2col's multiplies for which the rule uses F(2×2, 3×3): 0.8, so 3×3
    /// (0.79), 4×4, 5×5 and larger maps (0.44, 0.64, …; 4/9 for even sides) take it and 1×1 (1.78)
    /// does not (measured: `scripts/conv-algorithms.sh`, README "Performance"; 3×3 maps were slower
    /// than im2col until the transform-domain planes were padded against L1 set conflicts).
    public static let winogradMaximumProductFraction = 0.8

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
