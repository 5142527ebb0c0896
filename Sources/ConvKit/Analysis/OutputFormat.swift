/// How a command prints its tables: aligned text, Markdown, CSV or JSON.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, markdown, csv, json

    /// Parses a `--format` value, listing the valid ones on error.
    public init(parsing text: String) throws {
        guard let format = OutputFormat(rawValue: text.lowercased()) else {
            throw ConvKitError.invalidArgument(name: "--format", reason: "'\(text)' is not one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = format
    }
}
