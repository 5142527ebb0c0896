/// Two model summaries side by side: totals with differences and ratios, and the layers whose
/// dotted names appear in both.
///
/// Conventions: `difference = B − A` (the change from A to B), `ratio = A / B` (how many times
/// B's cost A is; `nil` when B's count is 0). A is usually the baseline, B the variant or the
/// rewritten model (`convkit compare alexnet alexnet --rewrite no-groups`).
public struct Comparison: Sendable {
    /// One total both models have, e.g. params.
    public struct Metric: Sendable, Equatable {
        /// snake_case key as in the summary's `total` (`params`, `macs`, …).
        public var key: String
        /// Column label as in the summary table (`Params`, `MACs`, …).
        public var label: String
        /// A's total.
        public var a: Int
        /// B's total.
        public var b: Int
        /// `b − a`.
        public var difference: Int
        /// `a / b`, `nil` when `b` is 0.
        public var ratio: Double?
    }

    /// A layer whose dotted name appears in both models.
    public struct LayerPair: Sendable, Equatable {
        /// The dotted name both models use.
        public var name: String
        /// A's row of that name.
        public var a: SummaryRow
        /// B's row of that name.
        public var b: SummaryRow
    }

    /// Model A's summary (usually the baseline).
    public var a: Summary
    /// Model B's summary (the variant, or the rewritten model).
    public var b: Summary
    /// Units, weights, biases, params, MACs, connections, activation and parameter bytes.
    public var metrics: [Metric]
    /// Layers present in both, in A's order.
    public var layers: [LayerPair]
    /// Layer names only A has, in A's order.
    public var onlyInA: [String]
    /// Layer names only B has, in B's order.
    public var onlyInB: [String]

    /// Compares two summaries.
    /// - Throws: ``ConvKitError/overflow(what:)`` if a difference does not fit in 64 bits.
    public init(_ a: Summary, _ b: Summary) throws {
        self.a = a
        self.b = b
        let (ta, tb) = (a.totals, b.totals)
        let pairs: [(String, String, Int, Int)] = [
            ("units", "Units", ta.units, tb.units), ("weights", "Weights", ta.weights, tb.weights),
            ("biases", "Biases", ta.biases, tb.biases), ("params", "Params", ta.params, tb.params),
            ("macs", "MACs", ta.macs, tb.macs), ("connections", "Connections", ta.connections, tb.connections),
            ("activation_bytes", "Act. bytes", ta.activationBytes, tb.activationBytes),
            ("parameter_bytes", "Param bytes", ta.parameterBytes, tb.parameterBytes),
        ]
        metrics = try pairs.map { key, label, x, y in
            let (difference, overflow) = y.subtractingReportingOverflow(x)
            if overflow { throw ConvKitError.overflow(what: "difference of \(key)") }
            return Metric(key: key, label: label, a: x, b: y, difference: difference, ratio: y == 0 ? nil : Double(x) / Double(y))
        }
        let rowsB = Dictionary(b.rows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let namesA = Set(a.rows.map(\.name))
        layers = a.rows.compactMap { row in rowsB[row.name].map { LayerPair(name: row.name, a: row, b: $0) } }
        onlyInA = a.rows.map(\.name).filter { rowsB[$0] == nil }
        onlyInB = b.rows.map(\.name).filter { !namesA.contains($0) }
    }

    /// The metric with the given key (`params`, `macs`, …).
    public func metric(_ key: String) -> Metric? { metrics.first { $0.key == key } }
}
