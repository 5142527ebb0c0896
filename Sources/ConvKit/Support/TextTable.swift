import Foundation

/// Renders rows of cells as an aligned text table, a Markdown table or CSV.
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }
    public var headers: [String]
    public var alignments: [Alignment]
    public var rows: [[String]] = []
    /// Lines printed under a row in the text format (e.g. `--explain` arithmetic), by row index.
    public var notes: [Int: [String]] = [:]
    /// Row indices before which a rule is drawn in the text format (e.g. the total).
    public var rulesBefore: Set<Int> = []

    public init(headers: [String], alignments: [Alignment]) {
        self.headers = headers
        self.alignments = alignments
    }

    /// Column-aligned text with a rule under the header.
    public func text() -> String {
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: max(widths[i] - cell.count, 0))
                parts.append(alignments[i] == .right ? pad + cell : cell + pad)
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        let rule = String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        var out = [line(headers), rule]
        for (index, row) in rows.enumerated() {
            if rulesBefore.contains(index) { out.append(rule) }
            out.append(line(row))
            for note in notes[index] ?? [] { out.append("    " + note) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured Markdown table (notes are omitted).
    public func markdown() -> String {
        func escape(_ cell: String) -> String { cell.replacingOccurrences(of: "|", with: "\\|") }
        var out = "| " + headers.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + alignments.map { $0 == .right ? "---:" : ":---" }.joined(separator: "|") + "|\n"
        for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        return out
    }

    /// RFC 4180 CSV with a header line (cells quoted when they contain `,`, `"` or newlines).
    public static func csv(headers: [String], rows: [[String]]) -> String {
        func quote(_ cell: String) -> String {
            guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([headers] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
