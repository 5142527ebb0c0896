import Foundation

/// An SVG bar chart of ``GradientFlow``: one group per convolution/linear layer, in execution
/// order from the top, with bars for ‖∂L/∂W‖, ‖∂L/∂b‖ and ‖∂L/∂y‖ on a log₁₀ scale (one grid
/// line per decade). A zero norm has no bar and is labelled `0`.
public enum GradientChart {
    static let series: [(name: String, color: String, value: @Sendable (GradientFlow.Row) -> Double?)] = [
        ("‖∂L/∂W‖", "#1f77b4", { $0.weightGradientNorm }),
        ("‖∂L/∂b‖", "#2ca02c", { $0.biasGradientNorm }),
        ("‖∂L/∂y‖", "#ff7f0e", { $0.outputGradientNorm }),
    ]

    /// The chart as SVG text.
    public static func svg(_ flow: GradientFlow) -> String {
        let rows = flow.rows.filter(\.isWeighted).isEmpty ? flow.rows : flow.rows.filter(\.isWeighted)
        let values = rows.flatMap { row in series.compactMap { $0.value(row) } }.filter { $0 > 0 && $0.isFinite }
        let low = floor(log10(values.min() ?? 1e-3)), high = max(ceil(log10(values.max() ?? 1)), low + 1)
        let (left, plotWidth, top, bar, gap) = (150.0, 560.0, 60.0, 11.0, 12.0)
        let groupHeight = Double(series.count) * bar + gap
        let height = top + Double(rows.count) * groupHeight + 50
        let width = left + plotWidth + 30
        func x(_ value: Double) -> Double { left + (log10(value) - low) / (high - low) * plotWidth }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func number(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(number(left))" y="20" font-size="14">\(escape("Gradient norms at initialisation — \(flow.architecture.name), batch \(flow.batch), init \(flow.initialisation.rawValue)"))</text>

        """
        var legendX = left
        for s in series {
            out += "<rect x=\"\(number(legendX))\" y=\"30\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/>"
            out += "<text x=\"\(number(legendX + 14))\" y=\"39\">\(s.name)</text>\n"
            legendX += 90
        }
        out += "<text x=\"\(number(legendX))\" y=\"39\" fill=\"#555\">log scale</text>\n"
        let bottom = top + Double(rows.count) * groupHeight
        for decade in Int(low)...Int(high) {
            let gx = left + (Double(decade) - low) / (high - low) * plotWidth
            out += "<line x1=\"\(number(gx))\" y1=\"\(number(top - 4))\" x2=\"\(number(gx))\" y2=\"\(number(bottom))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(number(gx))\" y=\"\(number(bottom + 16))\" text-anchor=\"middle\">1e\(decade)</text>\n"
        }
        for (index, row) in rows.enumerated() {
            let y0 = top + Double(index) * groupHeight
            out += "<text x=\"\(number(left - 8))\" y=\"\(number(y0 + Double(series.count) * bar / 2 + 4))\" text-anchor=\"end\">\(escape(row.name))</text>\n"
            for (k, s) in series.enumerated() {
                guard let value = s.value(row) else { continue }
                let by = y0 + Double(k) * bar
                if value > 0 && value.isFinite {
                    out += "<rect x=\"\(number(left))\" y=\"\(number(by))\" width=\"\(number(max(x(value) - left, 1)))\" height=\"\(number(bar - 2))\" fill=\"\(s.color)\"><title>\(escape(row.name)) \(s.name) = \(ExplainArguments.scientific(value))</title></rect>\n"
                } else {
                    out += "<text x=\"\(number(left + 2))\" y=\"\(number(by + bar - 3))\" fill=\"#555\">0</text>\n"
                }
            }
        }
        out += "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(bottom + 36))\" text-anchor=\"middle\" fill=\"#555\">L2 norm (log scale)</text>\n"
        out += "</svg>\n"
        return out
    }

    /// Writes the chart to `path` atomically (a temporary file in the same folder, then renamed).
    public static func write(_ flow: GradientFlow, to path: String) throws {
        do {
            try Data(svg(flow).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ConvKitError.fileError(file: path, reason: "cannot write the SVG chart: \(error.localizedDescription)")
        }
    }
}
