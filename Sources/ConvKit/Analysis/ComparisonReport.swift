/// The logic of `convkit compare A B`, callable and testable without the executable.
public enum ComparisonReport {
    /// Compares models `a` and `b` (zoo names or spec paths) at `input` (each model's default
    /// when `nil`), after applying `rewrites` (`--rewrite` values) to B only, so that
    /// `compare alexnet alexnet --rewrite no-groups` shows the rewrite's effect.
    /// Notes say which rewrites did not apply.
    public static func run(a: String, b: String, input: String? = nil, format: OutputFormat = .table,
                           rewrites: [String] = []) throws -> ReportOutput {
        let parsed = try rewrites.map(Rewrite.init(parsing:))
        let shape = try input.map { try Shape(parsing: $0) }
        let modelA = try ModelSource.resolve(a)
        let (modelB, notes) = try Rewrite.apply(parsed, to: try ModelSource.resolve(b), input: shape)
        let comparison = try Comparison(try Summary(modelA, input: shape), try Summary(modelB, input: shape))
        return ReportOutput(text: ComparisonRenderer.render(comparison, format: format), notes: notes)
    }
}
