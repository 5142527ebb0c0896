/// The logic of `convkit summary`, callable and testable without the executable.
public enum SummaryReport {
    /// Resolves `model` (zoo name or spec path), analyses it for `input` (e.g. `"3,224,224"`,
    /// the model's default when `nil`) and renders it.
    public static func make(model: String, input: String? = nil, format: OutputFormat = .table, explain: Bool = false) throws -> String {
        let architecture = try ModelSource.resolve(model)
        let shape = try input.map { try Shape(parsing: $0) }
        let summary = try Summary(architecture, input: shape)
        return SummaryRenderer.render(summary, format: format, explain: explain)
    }
}
