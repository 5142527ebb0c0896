/// Renders a ``Summary`` as a table, Markdown, CSV or JSON.
///
/// JSON shape (stable interface): `{"model", "input", "layers": [{"name", "kind", "output",
/// "units", "weights", "biases", "params", "macs", "connections", "activation_bytes",
/// "parameter_bytes", "receptive_field", "jump", "receptive_field_hw", "jump_hw", "inputs"}], "total": {"units",
/// "weights", "biases", "params", "macs", "connections", "activation_bytes", "parameter_bytes"},
/// "output", "receptive_field", "jump", "counted"}`; with `explain`, each layer also has `"formulas"`.
/// `"counted"` lists the operations `--count` added to `"macs"` (``CountedOperation``; `[]` by default).
/// Every layer also has `"activation_relative_to_input"`: its units / the input's units (a
/// fraction, 1.0 = the input's storage); `--explain` shows it as a percentage column `Act./input`.
/// `"inputs"` lists the rows a row reads (`input` for the model input), Keras' "Connected to";
/// the table and Markdown show it as a last column `Inputs` when the model is not a plain chain.
public enum SummaryRenderer {
    static let headers = ["Layer", "Kind", "Output", "Units", "Weights", "Biases", "Params", "MACs", "Connections",
                          "Act. bytes", "Param bytes", "RF", "Jump"]

    /// The summary in the given format; `explain` adds the arithmetic behind each number.
    public static func render(_ summary: Summary, format: OutputFormat, explain: Bool = false) -> String {
        switch format {
        case .json: return json(summary, explain: explain).serialized() + "\n"
        case .csv: return TextTable.csv(headers: csvHeaders, rows: summary.rows.map(csvRow))
        case .markdown: return header(summary, explain: explain, markdown: true) + table(summary, explain: false, relative: explain).markdown()
        case .table: return header(summary, explain: explain, markdown: false) + table(summary, explain: explain).text()
        }
    }

    private static func header(_ s: Summary, explain: Bool, markdown: Bool) -> String {
        var out = "\(markdown ? "**" : "")\(s.model)\(markdown ? "**" : "") — input \(s.input), output \(s.output)\n"
        if !s.counted.isEmpty {
            out += "MACs also count: " + s.counted.sorted().map(\.rawValue).joined(separator: ", ") + " (--count)\n"
        }
        if explain { for note in s.notes { out += (markdown ? "- " : "  ") + note + "\n" } }
        return out + "\n"
    }

    private static func table(_ s: Summary, explain: Bool, relative: Bool? = nil) -> TextTable {
        let relative = relative ?? explain
        let graph = !s.isChain
        var table = TextTable(headers: headers + (relative ? ["Act./input"] : []) + (graph ? ["Inputs"] : []),
                              alignments: [.left, .left, .left] + Array(repeating: .right, count: relative ? 11 : 10) + (graph ? [.left] : []))
        for (index, row) in s.rows.enumerated() {
            let c = row.cost
            table.rows.append([row.name, row.kind, row.output.description, c.units.value.grouped, c.weights.value.grouped,
                               c.biases.value.grouped, c.params.grouped, c.macs.value.grouped, c.connections.value.grouped,
                               c.activationBytes.grouped, c.parameterBytes.grouped, fieldText(row.field.size), fieldText(row.field.jump)]
                              + (relative ? [Summary.percent(s.activationRelativeToInput(row))] : [])
                              + (graph ? [row.inputs.joined(separator: ", ")] : []))
            if explain { table.notes[index] = formulas(row, in: s).map { $0.0 == "receptive field" ? "\($0.0): \($0.1)" : "\($0.0) = \($0.1)" } }
        }
        let t = s.totals
        table.rulesBefore.insert(table.rows.count)
        table.rows.append(["Total", "", s.output.description, t.units.grouped, t.weights.grouped, t.biases.grouped, t.params.grouped,
                           t.macs.grouped, t.connections.grouped, t.activationBytes.grouped, t.parameterBytes.grouped,
                           fieldText(s.field.size), fieldText(s.field.jump)] + (relative ? [""] : []) + (graph ? [""] : []))
        return table
    }

    /// `11`, or `11×7` when the axes differ.
    static func fieldText(_ pair: (height: Int, width: Int)) -> String {
        pair.height == pair.width ? String(pair.height) : "\(pair.height)×\(pair.width)"
    }

    /// A jump pair: `4`, `1/2`, or `1/2×1` when the axes differ.
    static func fieldText(_ pair: (height: Rational, width: Rational)) -> String {
        pair.height == pair.width ? pair.height.description : "\(pair.height)×\(pair.width)"
    }

    /// A jump in JSON: an integer when whole, else a decimal number (`0.5`).
    static func jumpJSON(_ jump: Rational) -> JSONValue { jump.isWhole ? .int(jump.numerator) : .double(jump.doubleValue) }

    /// A jump pair in JSON, `[h, w]`.
    static func jumpJSON(_ pair: (height: Rational, width: Rational)) -> JSONValue { .array([jumpJSON(pair.height), jumpJSON(pair.width)]) }

    /// A jump in CSV: an integer when whole, else a decimal number (`0.5`).
    static func jumpCSV(_ jump: Rational) -> String { jump.isWhole ? String(jump.numerator) : String(jump.doubleValue) }

    /// The arithmetic behind a row's numbers, as (label, formula) pairs; zero counts are skipped.
    static func formulas(_ row: SummaryRow, in summary: Summary? = nil) -> [(String, String)] {
        let c = row.cost
        var out: [(String, String)] = row.shapeNotes.map { note in
            if let range = note.range(of: " = "), !note.hasPrefix("receptive") { return (String(note[..<range.lowerBound]), String(note[range.upperBound...])) }
            if note.hasPrefix("receptive field: ") { return ("receptive field", String(note.dropFirst("receptive field: ".count))) }
            return ("shape", note)
        }
        out.append(("units", c.units.formula))
        for (label, count) in [("weights", c.weights), ("biases", c.biases), ("MACs", c.macs), ("connections", c.connections)] where count.value != 0 {
            out.append((label, count.formula))
        }
        if let summary { out.append(("memory vs input", summary.relativeMemoryFormula(row))) }
        return out
    }

    static let csvHeaders = ["name", "kind", "output", "units", "weights", "biases", "params", "macs", "connections",
                             "activation_bytes", "parameter_bytes", "receptive_field", "jump"]

    private static func csvRow(_ row: SummaryRow) -> [String] {
        let c = row.cost
        return [row.name, row.kind, row.output.dimensions.map(String.init).joined(separator: "x"), String(c.units.value),
                String(c.weights.value), String(c.biases.value), String(c.params), String(c.macs.value),
                String(c.connections.value), String(c.activationBytes), String(c.parameterBytes),
                String(row.field.largestSize), jumpCSV(row.field.largestJump)]
    }

    /// The summary as a JSON value (see the type's documentation for the shape).
    public static func json(_ s: Summary, explain: Bool = false) -> JSONValue {
        func shape(_ shape: Shape) -> JSONValue { .array(shape.dimensions.map { .int($0) }) }
        func pair(_ p: (height: Int, width: Int)) -> JSONValue { .array([.int(p.height), .int(p.width)]) }
        let layers: [JSONValue] = s.rows.map { row in
            let c = row.cost
            var entries: [(String, JSONValue)] = [
                ("name", .string(row.name)), ("kind", .string(row.kind)), ("output", shape(row.output)),
                ("units", .int(c.units.value)), ("weights", .int(c.weights.value)), ("biases", .int(c.biases.value)),
                ("params", .int(c.params)), ("macs", .int(c.macs.value)), ("connections", .int(c.connections.value)),
                ("activation_bytes", .int(c.activationBytes)), ("parameter_bytes", .int(c.parameterBytes)),
                ("receptive_field", .int(row.field.largestSize)), ("jump", jumpJSON(row.field.largestJump)),
                ("receptive_field_hw", pair(row.field.size)), ("jump_hw", jumpJSON(row.field.jump)),
                ("inputs", .array(row.inputs.map { .string($0) })),
            ]
            entries.append(("activation_relative_to_input", s.activationRelativeToInput(row).map { .double($0) } ?? .null))
            if explain { entries.append(("formulas", .object(formulas(row, in: s).map { ($0.0, .string($0.1)) }))) }
            return .object(entries)
        }
        let t = s.totals
        return .object([
            ("model", .string(s.model)), ("input", shape(s.input)), ("layers", .array(layers)),
            ("total", .object([("units", .int(t.units)), ("weights", .int(t.weights)), ("biases", .int(t.biases)),
                               ("params", .int(t.params)), ("macs", .int(t.macs)), ("connections", .int(t.connections)),
                               ("activation_bytes", .int(t.activationBytes)), ("parameter_bytes", .int(t.parameterBytes))])),
            ("output", shape(s.output)), ("receptive_field", .int(s.field.largestSize)), ("jump", jumpJSON(s.field.largestJump)),
            ("counted", .array(s.counted.sorted().map { .string($0.rawValue) })),
        ])
    }
}
