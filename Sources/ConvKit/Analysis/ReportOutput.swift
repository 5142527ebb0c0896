/// What a report command prints: `text` on standard output, and `notes` (one line each, e.g. a
/// rewrite that did not apply) on standard error. Notes never change the exit status.
public struct ReportOutput: Sendable, Equatable {
    /// The report, ending in a newline.
    public var text: String
    /// Remarks for standard error, without the `note: ` prefix.
    public var notes: [String]

    /// A report with its text and notes.
    public init(text: String, notes: [String] = []) {
        self.text = text
        self.notes = notes
    }
}
