/// An exact count together with the arithmetic that produced it,
/// e.g. `value = 290400`, `formula = "55·55·96 = 290,400"`.
public struct Count: Equatable, Sendable {
    /// The exact value.
    public var value: Int
    /// Human-readable arithmetic ending in `= value` (thousands separated).
    public var formula: String

    public init(_ value: Int, formula: String) {
        self.value = value
        self.formula = formula
    }

    /// Zero, with no arithmetic to show.
    public static let zero = Count(0, formula: "0")

    /// The product of `factors`; each factor is shown by its `text` (defaults to its value).
    /// Throws ``ConvKitError/overflow(what:)`` rather than wrapping.
    public static func product(_ factors: [(value: Int, text: String)], _ what: String) throws -> Count {
        let value = try Checked.product(factors.map(\.value), what)
        let text = factors.map(\.text).joined(separator: "·")
        return Count(value, formula: factors.count > 1 ? "\(text) = \(value.grouped)" : value.grouped)
    }

    /// The product of plain integer factors.
    public static func product(_ factors: [Int], _ what: String) throws -> Count {
        try product(factors.map { ($0, String($0)) }, what)
    }

    /// The output elements of one example, written `H·W·C` for feature maps (`55·55·96`).
    public static func units(of shape: Shape, _ what: String) throws -> Count {
        let d = shape.dimensions
        return try product(d.count == 3 ? [d[1], d[2], d[0]] : d, what)
    }

    /// The sum of two counts, formula `a + b = c`.
    public static func sum(_ a: Count, _ b: Count, _ what: String) throws -> Count {
        if a.value == 0 { return b }
        if b.value == 0 { return a }
        let value = try Checked.add(a.value, b.value, what)
        return Count(value, formula: "\(a.value.grouped) + \(b.value.grouped) = \(value.grouped)")
    }
}

extension Int {
    /// The integer with comma thousands separators, e.g. `1,275,494,400`.
    public var grouped: String {
        let digits = String(self.magnitude)
        var out = ""
        for (index, ch) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return self < 0 ? "-" + out : out
    }
}
