/// The receptive field of one output unit in input pixels, per spatial axis.
///
/// Through a layer with effective kernel `k_eff = d(k−1)+1` and stride `s`:
/// `r_out = r_in + (k_eff − 1)·j_in`, `j_out = j_in·s` (the jump is the distance in input
/// pixels between adjacent output units). Sizes are not clipped to the image: padding can
/// make them exceed it, as in every receptive-field calculator.
///
/// **Fractional jumps.** After upsampling (``Upsample``, a transposed convolution with stride
/// `s`) neighbouring units are a fraction of an input pixel apart: the jump is a ``Rational``
/// (`1/2`), while the size stays a whole number of input pixels, the most any one unit of the
/// layer spans. Each axis is kept as *base units* — the units an upsampling read, with field size
/// `r_b` and jump `j_b`, kept until the step measured from them is whole again (before any
/// upsampling, the current units themselves) — plus the unit's reach `ρ` and step `σ` measured
/// in base units:
/// - size `r = r_b + ⌈ρ⌉·j_b`, jump `j = j_b·σ`;
/// - a window layer (`k_eff`, `s`) adds `(k_eff − 1)·σ` to `ρ` and multiplies `σ` by `s`;
/// - an upsampling adds its own reach `δ·σ` to `ρ` and multiplies `σ` by its ratio `q`
///   (input pixels per output pixel): a transposed convolution has `δ = (k_eff − s)/s`,
///   `q = 1/s` (output i reads inputs ⌈(i + p − k_eff + 1)/s⌉ … ⌊(i + p)/s⌋); nearest upsampling
///   `δ = 0`; bilinear `δ = 1` (two neighbours); both `q = 1/scale_factor` or `H/H'` (see ``Upsample``);
/// - once `σ` is whole again (a stride-2 layer after a ×2 upsampling), the field is rebased:
///   `r_b ← r`, `j_b ← j`, `ρ ← 0`, `σ ← 1`.
///
/// Because units of one layer may read different numbers of base units (a stride-2 transposed
/// 3×3 convolution reads one input or two, alternately), `⌈ρ⌉ + 1` is the largest count of base
/// units over output positions, not every unit's: the size is the largest field over positions
/// (holes of dilated kernels included, as for ``Conv2d``), exact when every
/// upsampling reads units whose step has numerator 1 (the usual decoder: upsampling, window
/// layers of any stride, further upsampling), an estimate otherwise (an upsampling after, say,
/// a ×2 upsampling and a stride-3 layer). With whole jumps throughout (every downsampling
/// network), `ρ` stays 0 and the rules are the classic ones.
public struct ReceptiveField: Equatable, Sendable {
    /// One spatial axis: base units plus reach and step in base units (see the type's documentation).
    struct Axis: Equatable, Sendable {
        /// Field size of the base units (see the type's documentation), in input pixels.
        private(set) var baseSize: Int
        /// Jump of the base units, in input pixels.
        private(set) var baseJump: Int
        /// Reach beyond one base unit, in base units (0 while the step is whole; may be negative, above −1).
        private(set) var reach: Rational
        /// The jump in base units (1 when whole: the field is then rebased).
        private(set) var step: Rational
        /// `r_b + ⌈ρ⌉·j_b`, in input pixels.
        private(set) var size: Int
        /// `j_b·σ`, in input pixels.
        private(set) var jump: Rational

        /// A field with a whole jump.
        init(size: Int, jump: Int) {
            (baseSize, baseJump, reach, step) = (size, jump, 0, 1)
            self.size = size
            self.jump = Rational(jump)
        }

        private init(baseSize: Int, baseJump: Int, reach: Rational, step: Rational, size: Int, jump: Rational) {
            (self.baseSize, self.baseJump, self.reach, self.step, self.size, self.jump) = (baseSize, baseJump, reach, step, size, jump)
        }

        /// Base units plus reach and step, rebased when the step is whole.
        static func make(baseSize: Int, baseJump: Int, reach: Rational, step: Rational) throws -> Axis {
            let size = try Checked.add(baseSize, try Checked.multiply(reach.ceiling, baseJump, "receptive field"), "receptive field")
            if step.isWhole { return Axis(size: size, jump: try Checked.multiply(baseJump, step.numerator, "jump")) }
            return Axis(baseSize: baseSize, baseJump: baseJump, reach: reach, step: step, size: size,
                        jump: try Rational.product(Rational(baseJump), step, "jump"))
        }

        var isWhole: Bool { step == 1 && reach == 0 }

        /// Through a window of `kernel` effective taps and stride `stride`.
        func through(kernel: Int, stride: Int) throws -> Axis {
            if isWhole {
                let grow = try Checked.multiply(kernel - 1, baseJump, "receptive field")
                return Axis(size: try Checked.add(baseSize, grow, "receptive field"), jump: try Checked.multiply(baseJump, stride, "jump"))
            }
            return try Axis.make(baseSize: baseSize, baseJump: baseJump,
                            reach: try Rational.sum(reach, try Rational.product(Rational(kernel - 1), step, "receptive field"), "receptive field"),
                            step: try Rational.product(step, Rational(stride), "jump"))
        }

        /// Through an upsampling with reach `delta` and ratio `ratio` (in units of its input).
        func upsampled(reach delta: Rational, ratio: Rational) throws -> Axis {
            try Axis.make(baseSize: baseSize, baseJump: baseJump,
                     reach: try Rational.sum(reach, try Rational.product(delta, step, "receptive field"), "receptive field"),
                     step: try Rational.product(step, ratio, "jump"))
        }

        /// The larger field (ties: the larger jump), with the larger jump of the two.
        func union(_ other: Axis) -> Axis {
            if isWhole && other.isWhole { return Axis(size: max(size, other.size), jump: max(baseJump, other.baseJump)) }
            var wider = (size, jump) >= (other.size, other.jump) ? self : other
            let jump = max(self.jump, other.jump)
            guard wider.jump != jump, wider.baseJump != 0,
                  let step = try? Rational.product(jump, Rational(1, wider.baseJump), "jump"),
                  let widened = try? Axis.make(baseSize: wider.baseSize, baseJump: wider.baseJump, reach: wider.reach, step: step)
            else { return wider }
            wider = widened
            return wider
        }

        /// `r = r_in + (k−1)·j_in = r, j = j_in·s = j` from `previous`, or with fractional jumps
        /// `r = r_b + ⌈ρ⌉·j_b = r, j = j_b·σ = j`.
        func formula(from previous: Axis) -> String {
            if isWhole && previous.isWhole {
                let previousJump = max(previous.baseJump, 1)
                let kernel = (size - previous.size) / previousJump + 1
                return "r = \(previous.size) + (\(kernel)−1)·\(previous.baseJump) = \(size), j = \(previous.baseJump)·\(baseJump / previousJump) = \(baseJump)"
            }
            if isWhole {
                // Rebased from a fractional field: ⌈ρ⌉ base units of the previous base.
                let units = previous.baseJump == 0 ? 0 : (size - previous.baseSize) / previous.baseJump
                let ratio = previous.baseJump == 0 ? "0" : Rational(baseJump, previous.baseJump).description
                return "r = \(previous.baseSize) + \(units)·\(previous.baseJump) = \(size), j = \(previous.baseJump)·\(ratio) = \(jump)"
            }
            let reachText: String
            if !previous.isWhole, previous.baseSize == baseSize, previous.baseJump == baseJump, previous.reach != reach,
               let delta = try? Rational.sum(reach, Rational(-previous.reach.numerator, previous.reach.denominator), "reach") {
                reachText = "\(previous.reach) + \(delta)"
            } else {
                reachText = reach.description
            }
            return "r = \(baseSize) + ⌈\(reachText)⌉·\(baseJump) = \(size), j = \(baseJump)·\(step) = \(jump)"
        }
    }

    var height: Axis
    var width: Axis

    /// The field of an input pixel: size 1, jump 1.
    public static let pixel = ReceptiveField(size: (1, 1), jump: (1, 1))

    /// A field with whole jumps.
    public init(size: (height: Int, width: Int), jump: (height: Int, width: Int)) {
        height = Axis(size: size.height, jump: jump.height)
        width = Axis(size: size.width, jump: jump.width)
    }

    init(height: Axis, width: Axis) {
        self.height = height
        self.width = width
    }

    /// Receptive field size along height and width, in input pixels (with fractional jumps, the
    /// largest over the layer's output positions).
    public var size: (height: Int, width: Int) { (height.size, width.size) }
    /// Jump (effective stride) along height and width, in input pixels: a fraction after upsampling.
    public var jump: (height: Rational, width: Rational) { (height.jump, width.jump) }

    /// The single number reported in summaries: the larger of the two axes.
    public var largestSize: Int { max(size.height, size.width) }
    /// The jump along the axis reported by ``largestSize``'s convention (the larger one).
    public var largestJump: Rational { max(jump.height, jump.width) }

    /// The field after a sliding window with the given effective kernel and stride per axis.
    public func through(effectiveKernel: (height: Int, width: Int), stride: (height: Int, width: Int)) throws -> ReceptiveField {
        ReceptiveField(height: try height.through(kernel: effectiveKernel.height, stride: stride.height),
                       width: try width.through(kernel: effectiveKernel.width, stride: stride.width))
    }

    /// The field after an upsampling: each output unit reaches `reach` input units beyond one
    /// (in units of its input's jump; `(k_eff − s)/s` for a transposed convolution, 0 for nearest
    /// and 1 for bilinear upsampling) and neighbouring outputs are `ratio` input units apart.
    public func upsampled(reach: (height: Rational, width: Rational), ratio: (height: Rational, width: Rational)) throws -> ReceptiveField {
        ReceptiveField(height: try height.upsampled(reach: reach.height, ratio: ratio.height),
                       width: try width.upsampled(reach: reach.width, ratio: ratio.width))
    }

    /// The elementwise maximum of two fields (used where parallel branches join): per axis the
    /// larger size and the larger jump.
    public func union(_ other: ReceptiveField) -> ReceptiveField {
        ReceptiveField(height: height.union(other.height), width: width.union(other.width))
    }

    /// `r = r_b + ⌈ρ_in + δ·σ_in⌉·j_b = r, j = j_in·q = j` for an upsampling with reach δ and
    /// ratio q (see ``upsampled(reach:ratio:)``) written out for the height axis (and width when it
    /// differs); `reach` and `ratio` are the layer's texts for δ and q on that axis (`(3−2)/2`, `1/2`).
    func upsamplingFormula(from previous: ReceptiveField, reach: String, ratio: String) -> String {
        let before = previous.height
        let reachText = before.isWhole ? reach : "\(before.reach) + \(reach)·\(before.step)"
        var text = "r = \(before.baseSize) + ⌈\(reachText)⌉·\(before.baseJump) = \(size.height), j = \(before.jump)·\(ratio) = \(jump.height)"
        if size.height != size.width || jump.height != jump.width {
            text += " (width: r = \(size.width), j = \(jump.width))"
        }
        return text
    }

    /// `r = r_in + (k−1)·j_in` written out for the height axis (and width when it differs); with
    /// fractional jumps `r = r_b + ⌈ρ⌉·j_b` (see the type's documentation).
    func formula(from previous: ReceptiveField) -> String {
        var text = height.formula(from: previous.height)
        if size.height != size.width || jump.height != jump.width {
            text += " (width: r = \(size.width), j = \(jump.width))"
        }
        return text
    }
}
