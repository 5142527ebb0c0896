import Foundation

/// Renders a ``Comparison`` as a table, Markdown, CSV or JSON.
///
/// JSON shape (stable; keys are only ever added): `{"a": {"model", "input", "output", "units",
/// "weights", "biases", "params", "macs", "connections", "activation_bytes", "parameter_bytes",
/// "receptive_field", "jump", "receptive_field_hw", "jump_hw"}, "b": {…}, "difference": {key: b − a},
/// "ratio": {key: a / b or null}, "layers": [{"name", "a": {"kind", "output", "units", "weights",
/// "biases", "params", "macs", "connections", "activation_bytes", "parameter_bytes",
/// "receptive_field"}, "b": {…}}], "only_in_a": [names], "only_in_b": [names]}`. Ratios are full
/// precision in JSON and CSV, two decimals in the table and Markdown.
/// CSV is one long table: `scope,name,metric,a,b,difference,ratio` with `scope` = `total` or `layer`.
public enum ComparisonRenderer {
    /// The comparison in the given format.
    public static func render(_ c: Comparison, format: OutputFormat) -> String {
        switch format {
        case .json: return json(c).serialized() + "\n"
        case .csv: return csv(c)
        case .markdown: return header(c, markdown: true) + totalsTable(c).markdown() + layersSection(c, markdown: true)
        case .table: return header(c, markdown: false) + totalsTable(c).text() + layersSection(c, markdown: false)
        }
    }

    /// Column titles for A and B: the model names, marked `(A)`/`(B)` when they are equal.
    static func titles(_ c: Comparison) -> (String, String) {
        c.a.model == c.b.model ? ("\(c.a.model) (A)", "\(c.b.model) (B)") : (c.a.model, c.b.model)
    }

    private static func header(_ c: Comparison, markdown: Bool) -> String {
        let bold = markdown ? "**" : ""
        return "\(bold)A: \(c.a.model)\(bold) — input \(c.a.input), output \(c.a.output)\n"
            + (markdown ? "\n" : "") + "\(bold)B: \(c.b.model)\(bold) — input \(c.b.input), output \(c.b.output)\n\n"
    }

    /// `3.14`, or `—` when undefined.
    static func ratioText(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return "—" }
        return String(format: "%.2f", ratio)
    }

    /// `+1,413,120`, `−743,232` or `0`.
    static func differenceText(_ d: Int) -> String {
        d > 0 ? "+" + d.grouped : d < 0 ? "−" + d.grouped.dropFirst() : "0"
    }

    private static func totalsTable(_ c: Comparison) -> TextTable {
        let (ta, tb) = titles(c)
        var table = TextTable(headers: ["Total", ta, tb, "B − A", "A / B"], alignments: [.left, .right, .right, .right, .right])
        for m in c.metrics {
            table.rows.append([m.label, m.a.grouped, m.b.grouped, differenceText(m.difference), ratioText(m.ratio)])
        }
        table.rulesBefore.insert(table.rows.count)
        table.rows.append(["Output", c.a.output.description, c.b.output.description, "", ""])
        let (fa, fb) = (c.a.field.largestSize, c.b.field.largestSize)
        table.rows.append(["Receptive field", SummaryRenderer.fieldText(c.a.field.size), SummaryRenderer.fieldText(c.b.field.size),
                           differenceText(fb - fa), ratioText(fb == 0 ? nil : Double(fa) / Double(fb))])
        return table
    }

    private static func layersSection(_ c: Comparison, markdown: Bool) -> String {
        var out = ""
        if !c.layers.isEmpty {
            out += "\n" + (markdown ? "**Layers in both models**\n\n" : "Layers in both models (matched by name)\n\n")
            var table = TextTable(headers: ["Layer", "Output A", "Output B", "Params A", "Params B", "MACs A", "MACs B",
                                            "Act. bytes A", "Act. bytes B", "RF A", "RF B"],
                                  alignments: [.left, .left, .left] + Array(repeating: .right, count: 8))
            for pair in c.layers {
                let (x, y) = (pair.a, pair.b)
                table.rows.append([pair.name, x.output.description, y.output.description, x.cost.params.grouped, y.cost.params.grouped,
                                   x.cost.macs.value.grouped, y.cost.macs.value.grouped, x.cost.activationBytes.grouped,
                                   y.cost.activationBytes.grouped, SummaryRenderer.fieldText(x.field.size), SummaryRenderer.fieldText(y.field.size)])
            }
            out += markdown ? table.markdown() : table.text()
        }
        let bullet = markdown ? "- " : ""
        if !c.onlyInA.isEmpty { out += "\n\(bullet)Only in A: " + c.onlyInA.joined(separator: ", ") + "\n" }
        if !c.onlyInB.isEmpty { out += (c.onlyInA.isEmpty ? "\n" : "") + "\(bullet)Only in B: " + c.onlyInB.joined(separator: ", ") + "\n" }
        return out
    }

    private static func ratioJSON(_ ratio: Double?) -> JSONValue { ratio.map { .double($0) } ?? .null }

    private static func shape(_ shape: Shape) -> JSONValue { .array(shape.dimensions.map { .int($0) }) }
    private static func pair(_ p: (height: Int, width: Int)) -> JSONValue { .array([.int(p.height), .int(p.width)]) }

    private static func side(_ s: Summary, _ c: Comparison, a: Bool) -> JSONValue {
        var entries: [(String, JSONValue)] = [("model", .string(s.model)), ("input", shape(s.input)), ("output", shape(s.output))]
        entries += c.metrics.map { ($0.key, .int(a ? $0.a : $0.b)) }
        entries += [("receptive_field", .int(s.field.largestSize)), ("jump", SummaryRenderer.jumpJSON(s.field.largestJump)),
                    ("receptive_field_hw", pair(s.field.size)), ("jump_hw", SummaryRenderer.jumpJSON(s.field.jump))]
        return .object(entries)
    }

    private static func row(_ r: SummaryRow) -> JSONValue {
        let k = r.cost
        return .object([
            ("kind", .string(r.kind)), ("output", shape(r.output)), ("units", .int(k.units.value)), ("weights", .int(k.weights.value)),
            ("biases", .int(k.biases.value)), ("params", .int(k.params)), ("macs", .int(k.macs.value)),
            ("connections", .int(k.connections.value)), ("activation_bytes", .int(k.activationBytes)),
            ("parameter_bytes", .int(k.parameterBytes)), ("receptive_field", .int(r.field.largestSize)),
        ])
    }

    /// The comparison as a JSON value (see the type's documentation for the shape).
    public static func json(_ c: Comparison) -> JSONValue {
        .object([
            ("a", side(c.a, c, a: true)), ("b", side(c.b, c, a: false)),
            ("difference", .object(c.metrics.map { ($0.key, .int($0.difference)) })),
            ("ratio", .object(c.metrics.map { ($0.key, ratioJSON($0.ratio)) })),
            ("layers", .array(c.layers.map { .object([("name", .string($0.name)), ("a", row($0.a)), ("b", row($0.b))]) })),
            ("only_in_a", .array(c.onlyInA.map { .string($0) })), ("only_in_b", .array(c.onlyInB.map { .string($0) })),
        ])
    }

    private static func csv(_ c: Comparison) -> String {
        func ratio(_ r: Double?) -> String { r.map { "\($0)" } ?? "" }
        var rows: [[String]] = c.metrics.map { ["total", "", $0.key, String($0.a), String($0.b), String($0.difference), ratio($0.ratio)] }
        for pair in c.layers {
            let (x, y) = (pair.a.cost, pair.b.cost)
            let values: [(String, Int, Int)] = [("params", x.params, y.params), ("macs", x.macs.value, y.macs.value),
                                                ("activation_bytes", x.activationBytes, y.activationBytes)]
            for (key, va, vb) in values {
                rows.append(["layer", pair.name, key, String(va), String(vb), String(vb - va), ratio(vb == 0 ? nil : Double(va) / Double(vb))])
            }
        }
        return TextTable.csv(headers: ["scope", "name", "metric", "a", "b", "difference", "ratio"], rows: rows)
    }
}
