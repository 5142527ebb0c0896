import Foundation

/// Activation memory relative to the network input: a layer's output units divided by the input
/// units of one example (`1.0` = as much storage as the input; shown as a percentage, e.g. the
/// statement "the two layers need 82% of the input's storage").
extension Summary {
    /// Elements of one input example (`C·H·W` or `F`); 0 if the count does not fit in 64 bits.
    public var inputUnits: Int { (try? input.elementCount()) ?? 0 }

    /// `units / input units` of `row`, `nil` when the input count is unknown.
    public func activationRelativeToInput(_ row: SummaryRow) -> Double? {
        inputUnits > 0 ? Double(row.cost.units.value) / Double(inputUnits) : nil
    }

    /// `290,400 / 154,587 = 187.9%`: the arithmetic behind ``activationRelativeToInput(_:)``.
    func relativeMemoryFormula(_ row: SummaryRow) -> String {
        guard let ratio = activationRelativeToInput(row) else { return "—" }
        return "\(row.cost.units.value.grouped) / \(inputUnits.grouped) input units = \(Self.percent(ratio))"
    }

    /// `187.9%`.
    static func percent(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return "—" }
        return String(format: "%.1f%%", ratio * 100)
    }
}
