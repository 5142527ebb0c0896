/// The receptive field of one output unit in input pixels, per spatial axis.
///
/// Through a layer with effective kernel `k_eff = d(k−1)+1` and stride `s`:
/// `r_out = r_in + (k_eff − 1)·j_in`, `j_out = j_in·s` (the jump is the distance in input
/// pixels between adjacent output units). Sizes are not clipped to the image: padding can
/// make them exceed it, as in every receptive-field calculator.
public struct ReceptiveField: Equatable, Sendable {
    /// Receptive field size along height and width, in input pixels.
    public var size: (height: Int, width: Int)
    /// Jump (effective stride) along height and width, in input pixels.
    public var jump: (height: Int, width: Int)

    /// The field of an input pixel: size 1, jump 1.
    public static let pixel = ReceptiveField(size: (1, 1), jump: (1, 1))

    public init(size: (height: Int, width: Int), jump: (height: Int, width: Int)) {
        self.size = size
        self.jump = jump
    }

    /// The single number reported in summaries: the larger of the two axes.
    public var largestSize: Int { max(size.height, size.width) }
    /// The jump along the axis reported by ``largestSize``'s convention (the larger one).
    public var largestJump: Int { max(jump.height, jump.width) }

    public static func == (a: ReceptiveField, b: ReceptiveField) -> Bool {
        a.size == b.size && a.jump == b.jump
    }

    /// The field after a sliding window with the given effective kernel and stride per axis.
    public func through(effectiveKernel: (height: Int, width: Int), stride: (height: Int, width: Int)) throws -> ReceptiveField {
        func axis(_ r: Int, _ j: Int, _ k: Int, _ s: Int) throws -> (Int, Int) {
            let grow = try Checked.multiply(k - 1, j, "receptive field")
            return (try Checked.add(r, grow, "receptive field"), try Checked.multiply(j, s, "jump"))
        }
        let (rh, jh) = try axis(size.height, jump.height, effectiveKernel.height, stride.height)
        let (rw, jw) = try axis(size.width, jump.width, effectiveKernel.width, stride.width)
        return ReceptiveField(size: (rh, rw), jump: (jh, jw))
    }

    /// The elementwise maximum of two fields (used where parallel branches join).
    public func union(_ other: ReceptiveField) -> ReceptiveField {
        ReceptiveField(size: (max(size.height, other.size.height), max(size.width, other.size.width)),
                       jump: (max(jump.height, other.jump.height), max(jump.width, other.jump.width)))
    }

    /// `r = r_in + (k−1)·j_in` written out for the height axis (and width when it differs).
    func formula(from previous: ReceptiveField) -> String {
        let kh = (size.height - previous.size.height) / max(previous.jump.height, 1) + 1
        var text = "r = \(previous.size.height) + (\(kh)−1)·\(previous.jump.height) = \(size.height), j = \(previous.jump.height)·\(jump.height / max(previous.jump.height, 1)) = \(jump.height)"
        if size.height != size.width || jump.height != jump.width {
            text += " (width: r = \(size.width), j = \(jump.width))"
        }
        return text
    }
}
