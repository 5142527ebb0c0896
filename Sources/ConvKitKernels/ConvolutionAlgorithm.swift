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
///
/// ``preferred(window:groups:outputChannels:)`` picks per shape; `CONVKIT_CONVOLUTION` forces one.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    case im2col
    case winograd

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
        case .none:
            guard Self.winograd.supports(window: g, groups: groups) else { return .im2col }
            let wide = g.channels >= winogradMinimumChannels && outputChannels >= winogradMinimumChannels
            // Products per output against im2col's 9: 16 per 2×2 tile, tiles ⌈oh/2⌉·⌈ow/2⌉.
            let fraction = Double(16 * g.winogradTiles) / Double(9 * g.columnCount)
            return wide && fraction <= winogradMaximumProductFraction ? .winograd : .im2col
        }
    }

    /// Input and output channels from which the rule uses Winograd.
    public static let winogradMinimumChannels = 8

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
        value == "auto" || ConvolutionAlgorithm(rawValue: value) != nil ? nil : "'\(value)' is not one of auto, im2col, winograd"
    }
}
