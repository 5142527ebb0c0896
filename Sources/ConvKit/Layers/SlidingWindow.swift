/// A pair of sizes along height and width (kernel, stride, dilation, padding).
public struct Size2: Hashable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }
    /// The same size on both axes.
    public init(_ both: Int) { self.init(both, both) }
    public var isSquare: Bool { height == width }
    /// `3` when square, else `3×5`.
    public var description: String { isSquare ? "\(height)" : "\(height)×\(width)" }
    var tuple: (height: Int, width: Int) { (height, width) }
}

/// Padding of a convolution or pooling window.
public enum Padding: Hashable, Sendable, CustomStringConvertible {
    /// `p` zeros on both sides of each axis (PyTorch's `padding=(ph, pw)`).
    case explicit(Size2)
    /// No padding (`padding='valid'`), the same as `.explicit(Size2(0))`.
    case valid
    /// Output size ⌈H/s⌉: total padding `max((H'−1)·s + d(k−1) + 1 − H, 0)`, the odd pixel at the
    /// bottom/right (TensorFlow's `'same'`; for stride 1 identical to PyTorch's `padding='same'`).
    case same
    /// Different zeros on each side, `[top, bottom, left, right]` (ONNX's `pads`, TensorFlow's
    /// explicit padding; PyTorch pads asymmetrically with `F.pad` before the layer). The spec
    /// parser keeps equal sides as ``explicit(_:)``.
    case sides(top: Int, bottom: Int, left: Int, right: Int)

    public var description: String {
        switch self {
        case let .explicit(p): return "\(p)"
        case .valid: return "valid"
        case .same: return "same"
        case let .sides(t, b, l, r): return "[\(t), \(b), \(l), \(r)]"
        }
    }

    /// Zeros before and after each axis: (top, bottom, left, right); 0 for `valid` and for `same`
    /// (whose sides depend on the input: see ``Conv2d``).
    var sides: (top: Int, bottom: Int, left: Int, right: Int) {
        switch self {
        case let .explicit(p): return (p.height, p.height, p.width, p.width)
        case .valid, .same: return (0, 0, 0, 0)
        case let .sides(t, b, l, r): return (t, b, l, r)
        }
    }

    /// Four sides as one value: ``explicit(_:)`` when top = bottom and left = right.
    public static func normalized(top t: Int, bottom b: Int, left l: Int, right r: Int) -> Padding {
        t == b && l == r ? .explicit(Size2(t, l)) : .sides(top: t, bottom: b, left: l, right: r)
    }
}

/// The output-size rule shared by convolution and pooling along one axis.
enum SlidingWindow {
    /// Output length along one axis and the arithmetic behind it.
    /// Explicit padding: `⌊(H + 2p − d(k−1) − 1)/s⌋ + 1`; with `ceilMode`, ⌈·⌉ instead of ⌊·⌋ and
    /// (as PyTorch) the last window must start inside the input or left padding.
    /// Returns `nil` output when the effective kernel is larger than the padded input.
    static func outputLength(input: Int, kernel: Int, stride: Int, padding: Padding, before: Int, after: Int,
                             dilation: Int, ceilMode: Bool) throws -> (length: Int, formula: String)? {
        // Hyper-parameters come from spec files: every step is overflow-checked.
        let what = "output size (input \(input), kernel \(kernel), stride \(stride), padding \(before)+\(after), dilation \(dilation))"
        let effective = try Checked.add(try Checked.multiply(dilation, kernel - 1, what), 1, what)
        switch padding {
        case .same:
            let length = input / stride + (input % stride == 0 ? 0 : 1)
            return (length, "⌈\(input)/\(stride)⌉ = \(length) (same padding)")
        case .valid, .explicit, .sides:
            let p = before
            // PyTorch's pooling_output_shape: floor division (toward −∞) of the span, plus
            // stride − 1 in ceil mode, so a ceil-mode window may overhang the padded input.
            let padded = try Checked.add(try Checked.add(input, before, what), after, what)
            let numerator = try Checked.add(padded - effective, ceilMode ? stride - 1 : 0, what)
            let (q, r) = numerator.quotientAndRemainder(dividingBy: stride)
            let quotient = r < 0 ? q - 1 : q
            var length = try Checked.add(quotient, 1, what)
            // (length − 1)·stride = quotient·stride ≤ numerator, and input + p ≤ padded: no overflow.
            if ceilMode && (length - 1) * stride >= input + p { length -= 1 }
            guard length >= 1 else { return nil }
            let open = ceilMode ? "⌈" : "⌊", close = ceilMode ? "⌉" : "⌋"
            let kernelText = dilation == 1 ? "(\(kernel)−1)" : "\(dilation)·(\(kernel)−1)"
            let paddingText = before == after ? "2·\(p)" : "\(before) + \(after)"
            return (length, "\(open)(\(input) + \(paddingText) − \(kernelText) − 1)/\(stride)\(close) + 1 = \(length)")
        }
    }

    /// Validates the window hyper-parameters and computes the spatial output size.
    static func output(layer path: String, input: Shape, kernel: Size2, stride: Size2, padding: Padding,
                       dilation: Size2, ceilMode: Bool) throws -> (height: Int, width: Int, formulas: [String]) {
        guard kernel.height > 0, kernel.width > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "kernel size must be positive, found \(kernel)")
        }
        guard stride.height > 0, stride.width > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "stride must be positive, found \(stride)")
        }
        guard dilation.height > 0, dilation.width > 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "dilation must be positive, found \(dilation)")
        }
        let pad = padding.sides
        guard pad.top >= 0, pad.bottom >= 0, pad.left >= 0, pad.right >= 0 else {
            throw ConvKitError.invalidLayer(layer: path, reason: "padding must be non-negative, found \(padding)")
        }
        let h = input.dimensions[1], w = input.dimensions[2]
        guard let oh = try outputLength(input: h, kernel: kernel.height, stride: stride.height, padding: padding,
                                    before: pad.top, after: pad.bottom, dilation: dilation.height, ceilMode: ceilMode),
              let ow = try outputLength(input: w, kernel: kernel.width, stride: stride.width, padding: padding,
                                    before: pad.left, after: pad.right, dilation: dilation.width, ceilMode: ceilMode),
              oh.length > 0, ow.length > 0
        else {
            func effective(_ k: Int, _ d: Int) -> String {
                let (product, overflow) = d.multipliedReportingOverflow(by: k - 1)
                return overflow || product == Int.max ? "\(d)·(\(k)−1) + 1" : "\(product + 1)"
            }
            func padded(_ n: Int, _ a: Int, _ b: Int) -> String {
                let (once, o1) = n.addingReportingOverflow(a)
                let (sum, o2) = once.addingReportingOverflow(b)
                return o1 || o2 ? "\(n) + \(a) + \(b)" : "\(sum)"
            }
            throw ConvKitError.shapeMismatch(
                layer: path,
                expected: "spatial size of at least \(effective(kernel.height, dilation.height))×\(effective(kernel.width, dilation.width)) after padding \(padding) (kernel \(kernel), dilation \(dilation))",
                found: "\(input) (\(padded(h, pad.top, pad.bottom))×\(padded(w, pad.left, pad.right)) padded)")
        }
        return (oh.length, ow.length, ["H' = " + oh.formula, "W' = " + ow.formula])
    }

    /// The top and left padding; 0 for `valid`, and for `same` (whose output does not use it).
    static func explicitPadding(_ padding: Padding) -> Size2 {
        let sides = padding.sides
        return Size2(sides.top, sides.left)
    }
}
