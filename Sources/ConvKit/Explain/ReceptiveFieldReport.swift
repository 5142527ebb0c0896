/// The logic of `convkit explain receptive-field`: resolves the model, walks
/// ``ReceptiveFieldMap`` and renders the per-layer fields, the input rectangle and a picture.
public enum ReceptiveFieldReport {
    /// Runs the command for `model` (zoo name or spec path), `input` (`C,H,W`, the model's default
    /// when `nil`), `layer` (a dotted layer name) and `at` (`I,J`).
    public static func run(model: String, input: String? = nil, layer: String? = nil, at: String? = nil,
                           format: OutputFormat = .table) throws -> ReportOutput {
        guard format == .table || format == .json else {
            throw ConvKitError.invalidArgument(name: "--format", reason: "explain receptive-field prints table or json, not \(format.rawValue)")
        }
        let architecture = try ModelSource.resolve(model)
        let map = try ReceptiveFieldMap(architecture, input: try input.map { try Shape(parsing: $0) }, layer: layer,
                                        at: try at.map { try ExplainArguments.position($0, option: "--at") })
        if format == .json { return ReportOutput(text: json(map, model: architecture.name).serialized() + "\n") }
        return ReportOutput(text: text(map, model: architecture.name))
    }

    static func range(_ r: ClosedRange<Int>) -> String { r.lowerBound == r.upperBound ? "\(r.lowerBound)" : "\(r.lowerBound)…\(r.upperBound)" }

    static func text(_ map: ReceptiveFieldMap, model: String) -> String {
        var out = "Receptive field of \(map.layer) at (\(map.position.row), \(map.position.column)) in \(model) — input \(map.input)\n\n"
        var table = TextTable(headers: ["Output of", "Kind", "Shape", "Rows", "Cols", "Size", "Pixels", "Unclipped rows", "Unclipped cols", "Size"],
                              alignments: [.left, .left, .left, .right, .right, .right, .right, .right, .right, .right])
        for step in map.steps {
            let bounds = step.mask.bounds
            let rows = bounds.map { range($0.rows) } ?? "—", cols = bounds.map { range($0.columns) } ?? "—"
            let size = bounds.map { "\($0.rows.count)×\($0.columns.count)" } ?? "0"
            let unclipped = "\(step.mask.unclippedRows.count)×\(step.mask.unclippedColumns.count)"
            table.rows.append([step.layer, step.kind, step.shape.description, rows, cols, size, step.mask.count.grouped,
                               range(step.mask.unclippedRows), range(step.mask.unclippedColumns), unclipped])
        }
        out += table.text()
        let mask = map.inputMask
        if let bounds = mask.bounds {
            let area = bounds.rows.count * bounds.columns.count
            out += "\nInput rectangle: rows \(range(bounds.rows)), columns \(range(bounds.columns)) (\(bounds.rows.count)×\(bounds.columns.count) = \(area.grouped) pixels"
            out += mask.count == area ? ", all of which reach it)\n" : ", of which \(mask.count.grouped) reach it)\n"
        }
        out += "Unclipped extent: rows \(range(mask.unclippedRows)), columns \(range(mask.unclippedColumns)) "
        let beyond = mask.bounds.map { $0.rows != mask.unclippedRows || $0.columns != mask.unclippedColumns } ?? true
        out += "(\(mask.unclippedRows.count)×\(mask.unclippedColumns.count)\(beyond ? "; the part outside the image is padding" : ""))\n\n"
        let picture = mask.picture()
        out += picture.factor == 1
            ? "Input pixels that reach it (# yes, · no), \(mask.height)×\(mask.width):\n"
            : "Input pixels that reach it, one character per \(picture.factor)×\(picture.factor) block (# all, + some, · none), \(mask.height)×\(mask.width):\n"
        out += picture.lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
        return out
    }

    static func json(_ map: ReceptiveFieldMap, model: String) -> JSONValue {
        func pair(_ r: ClosedRange<Int>) -> JSONValue { .array([.int(r.lowerBound), .int(r.upperBound)]) }
        func region(_ mask: PixelMask) -> [(String, JSONValue)] {
            let bounds = mask.bounds
            return [("rows", bounds.map { pair($0.rows) } ?? .null), ("columns", bounds.map { pair($0.columns) } ?? .null),
                    ("pixels", .int(mask.count)),
                    ("unclipped_rows", pair(mask.unclippedRows)), ("unclipped_columns", pair(mask.unclippedColumns))]
        }
        let steps: [JSONValue] = map.steps.map { step in
            .object([("layer", .string(step.layer)), ("kind", .string(step.kind)),
                     ("shape", .array(step.shape.dimensions.map(JSONValue.int)))] + region(step.mask))
        }
        return .object([("model", .string(model)), ("input", .array(map.input.dimensions.map(JSONValue.int))),
                        ("layer", .string(map.layer)), ("at", .array([.int(map.position.row), .int(map.position.column)]))]
                       + region(map.inputMask)
                       + [("steps", .array(steps)), ("picture", .array(map.inputMask.picture().lines.map(JSONValue.string)))])
    }
}
