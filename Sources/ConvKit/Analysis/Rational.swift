/// An exact fraction `numerator/denominator`, in lowest terms with a positive denominator.
///
/// Receptive fields use it for jumps that are fractions of an input pixel: after a ×2
/// upsampling or a stride-2 transposed convolution, neighbouring units are ½ pixel apart.
/// Integer literals are whole fractions (`let j: Rational = 4`). Arithmetic that would overflow
/// 64 bits throws ``ConvKitError/overflow(what:)``.
public struct Rational: Hashable, Sendable, Comparable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The numerator, with the fraction's sign.
    public let numerator: Int
    /// The denominator, at least 1.
    public let denominator: Int

    /// `numerator/denominator` reduced to lowest terms. `denominator` must not be 0 (callers
    /// pass strides and sizes, which the layers have already checked to be positive).
    public init(_ numerator: Int, _ denominator: Int = 1) {
        precondition(denominator != 0, "Rational: zero denominator")
        // The divisor is at most |denominator| ≤ Int.max (a denominator of Int.min is never passed).
        let divisor = Int(clamping: Self.gcd(numerator.magnitude, denominator.magnitude))
        let sign = denominator < 0 ? -1 : 1
        self.numerator = sign * (numerator / divisor)
        self.denominator = sign * (denominator / divisor)
    }

    public init(integerLiteral value: Int) { self.init(value) }

    static func gcd(_ a: UInt, _ b: UInt) -> UInt {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// Whether the fraction is an integer.
    public var isWhole: Bool { denominator == 1 }

    /// The smallest integer ≥ the fraction.
    public var ceiling: Int {
        let (q, r) = numerator.quotientAndRemainder(dividingBy: denominator)
        return r > 0 ? q + 1 : q
    }

    /// The value as a `Double` (for JSON and CSV).
    public var doubleValue: Double { Double(numerator) / Double(denominator) }

    /// `3`, or `1/2` when not whole.
    public var description: String { isWhole ? String(numerator) : "\(numerator)/\(denominator)" }

    public static func < (a: Rational, b: Rational) -> Bool {
        // a.n·b.d < b.n·a.d, exactly (128-bit products; denominators are positive).
        let left = a.numerator.multipliedFullWidth(by: b.denominator)
        let right = b.numerator.multipliedFullWidth(by: a.denominator)
        return left.high != right.high ? left.high < right.high : left.low < right.low
    }

    /// `a + b`, checked.
    static func sum(_ a: Rational, _ b: Rational, _ what: @autoclosure () -> String) throws -> Rational {
        let common = Int(gcd(a.denominator.magnitude, b.denominator.magnitude))
        let (da, db) = (a.denominator / common, b.denominator / common)
        let top = try Checked.add(try Checked.multiply(a.numerator, db, what()), try Checked.multiply(b.numerator, da, what()), what())
        return Rational(top, try Checked.multiply(a.denominator, db, what()))
    }

    /// `a · b`, checked (cross-reduced first, so a product in lowest terms never overflows needlessly).
    static func product(_ a: Rational, _ b: Rational, _ what: @autoclosure () -> String) throws -> Rational {
        let g1 = Swift.max(Int(gcd(a.numerator.magnitude, b.denominator.magnitude)), 1)
        let g2 = Swift.max(Int(gcd(b.numerator.magnitude, a.denominator.magnitude)), 1)
        return Rational(try Checked.multiply(a.numerator / g1, b.numerator / g2, what()),
                        try Checked.multiply(a.denominator / g2, b.denominator / g1, what()))
    }
}
