/// The shape of one example's activations, batch dimension excluded:
/// `[C, H, W]` for feature maps (NCHW without the N), `[F]` for feature vectors.
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// The sizes of each dimension, outermost first.
    public var dimensions: [Int]

    public init(_ dimensions: [Int]) { self.dimensions = dimensions }
    public init(arrayLiteral elements: Int...) { self.dimensions = elements }

    /// Number of dimensions (3 for C×H×W, 1 for a feature vector).
    public var rank: Int { dimensions.count }

    /// The size of dimension `axis` (0 is C for C×H×W); `axis` must be below ``rank``.
    public subscript(axis: Int) -> Int { dimensions[axis] }

    /// Number of elements; throws if the product does not fit in `Int`.
    public func elementCount() throws -> Int {
        try dimensions.reduce(1) { try Checked.multiply($0, $1, "element count of \(self)") }
    }

    /// `C×H×W`, or `F` for vectors.
    public var description: String {
        dimensions.map(String.init).joined(separator: "×")
    }

    /// Parses `"3,32,32"` or `"3x32x32"` (as given to `--input`).
    public init(parsing text: String) throws {
        let parts = text.split(whereSeparator: { $0 == "," || $0 == "x" || $0 == "×" })
        var dims: [Int] = []
        for part in parts {
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value > 0, value <= Int(Int32.max) else {
                throw ConvKitError.invalidArgument(name: "input shape", reason: "'\(text)' must be positive integers (at most 2,147,483,647) separated by commas, e.g. 3,32,32")
            }
            dims.append(value)
        }
        guard dims.count == 1 || dims.count == 3 else {
            throw ConvKitError.invalidArgument(name: "input shape", reason: "'\(text)' must have 3 dimensions (C,H,W) or 1 (features)")
        }
        self.dimensions = dims
    }
}

import Foundation

/// Overflow-checked integer arithmetic for exact counts.
public enum Checked {
    /// `a × b`, throwing ``ConvKitError/overflow(what:)`` instead of wrapping.
    public static func multiply(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { throw ConvKitError.overflow(what: what()) }
        return value
    }
    /// `a + b`, throwing ``ConvKitError/overflow(what:)`` instead of wrapping.
    public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        let (value, overflow) = a.addingReportingOverflow(b)
        if overflow { throw ConvKitError.overflow(what: what()) }
        return value
    }
    /// Product of all factors, checked.
    public static func product(_ factors: [Int], _ what: @autoclosure () -> String) throws -> Int {
        var result = 1
        for f in factors { result = try multiply(result, f, what()) }
        return result
    }
}
