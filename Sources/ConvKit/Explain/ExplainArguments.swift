import Foundation

/// Parsing and printing helpers shared by the `convkit explain …` and `convkit gradients` reports.
enum ExplainArguments {
    /// One number as typed by a user: ASCII `-` or Unicode `−` for minus, surrounding spaces ignored.
    static func number(_ text: Substring, option: String, context: @autoclosure () -> String) throws -> Double {
        let cleaned = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "−", with: "-")
        guard let value = Double(cleaned), value.isFinite else {
            throw ConvKitError.invalidArgument(name: option, reason: "'\(text.trimmingCharacters(in: .whitespaces))' is not a number (\(context()))")
        }
        return value
    }

    /// A comma-separated list of numbers (`"1, -0.5, 2"`).
    static func list(_ text: String, option: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        return try parts.enumerated().map { index, part in
            try number(part, option: option, context: "value \(index + 1) of '\(text)'")
        }
    }

    /// `"3"` (both axes) or `"3,5"` (height, width), each at least `minimum`.
    static func size(_ text: String, option: String, minimum: Int = 1) throws -> Size2 {
        let parts = text.split(whereSeparator: { $0 == "," || $0 == "x" || $0 == "×" })
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (parts.count == 1 || parts.count == 2), let first = parts[0], let last = parts[parts.count - 1],
              first >= minimum, last >= minimum else {
            throw ConvKitError.invalidArgument(name: option, reason: "'\(text)' must be one integer ≥ \(minimum) or two separated by a comma (height,width)")
        }
        return Size2(first, last)
    }

    /// `"I,J"`: a row and a column, both ≥ 0.
    static func position(_ text: String, option: String) throws -> (row: Int, column: Int) {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let i = parts[0], let j = parts[1], i >= 0, j >= 0 else {
            throw ConvKitError.invalidArgument(name: option, reason: "'\(text)' must be a row and a column, e.g. 3,4 (0-based)")
        }
        return (i, j)
    }

    /// A compact decimal: at most `digits` significant digits, no trailing zeros, `-0` as `0`.
    static func format(_ value: Double, digits: Int = 4) -> String {
        if value == 0 { return "0" }
        let text = String(format: "%.\(digits)g", value)
        return text
    }

    /// A small error or norm in scientific notation (`1.2e-07`); exact zero as `0`.
    static func scientific(_ value: Double) -> String {
        value == 0 ? "0" : String(format: "%.2e", value)
    }

    /// Largest |a − b| over two equally long sequences.
    static func maxAbsDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Double where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
        zip(a, b).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) }
    }
}
