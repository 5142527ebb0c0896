/// The logic of `convkit summary`, callable and testable without the executable.
public enum SummaryReport {
    /// Resolves `model` (zoo name or spec path), analyses it for `input` (e.g. `"3,224,224"`,
    /// the model's default when `nil`) and renders it.
    public static func make(model: String, input: String? = nil, format: OutputFormat = .table, explain: Bool = false) throws -> String {
        try run(model: model, options: Options(input: input, format: format, explain: explain)).text
    }

    /// Everything `convkit summary` can be asked besides the model.
    public struct Options: Sendable {
        /// Input shape text (`3,224,224`); the model's default when `nil`.
        public var input: String?
        /// Table, Markdown, CSV or JSON.
        public var format: OutputFormat
        /// Show the arithmetic behind every number, and activation memory relative to the input.
        public var explain: Bool
        /// Rewrites (`--rewrite` values, e.g. `width=0.5`), applied in order.
        public var rewrites: [String]
        /// Print the (rewritten) model as a YAML spec instead of its summary.
        public var emitSpec: Bool
        /// Batch size of the training-memory estimate; none when `nil`.
        public var batch: Int?
        /// Optimizer of the training-memory estimate (`sgd`, the default, or `adam`).
        public var optimizer: String?
        /// `--count`: operations added to the MAC column (``CountedOperation/parse(_:)``), e.g. `bn,add,pool`.
        public var count: String?

        /// The defaults are the command's: the model's default input, a table, no rewrites or estimate.
        public init(input: String? = nil, format: OutputFormat = .table, explain: Bool = false, rewrites: [String] = [],
                    emitSpec: Bool = false, batch: Int? = nil, optimizer: String? = nil, count: String? = nil) {
            self.count = count
            self.input = input
            self.format = format
            self.explain = explain
            self.rewrites = rewrites
            self.emitSpec = emitSpec
            self.batch = batch
            self.optimizer = optimizer
        }
    }

    /// Runs `convkit summary MODEL` with `options`: resolves the model, applies the rewrites
    /// (notes say which did not apply), and renders the summary, the training-memory estimate
    /// (`batch`) or the spec (`emitSpec`).
    /// - Throws: ``ConvKitError`` for unknown models, bad arguments and models that do not fit.
    public static func run(model: String, options: Options) throws -> ReportOutput {
        let rewrites = try options.rewrites.map(Rewrite.init(parsing:))
        let optimizer = try options.optimizer.map(TrainingMemory.Optimizer.init(parsing:))
        if optimizer != nil && options.batch == nil {
            throw ConvKitError.invalidArgument(name: "--optimizer", reason: "it sets the optimizer of the training-memory estimate; give --batch N too")
        }
        if options.emitSpec && (options.format != .table || options.explain || options.batch != nil) {
            throw ConvKitError.invalidArgument(name: "--emit-spec", reason: "it prints a YAML spec and cannot be combined with --format, --explain or --batch")
        }
        if options.batch != nil && options.format == .csv {
            throw ConvKitError.invalidArgument(name: "--batch", reason: "the training-memory estimate is printed with --format table, markdown or json, not csv")
        }
        let shape = try options.input.map { try Shape(parsing: $0) }
        let (architecture, notes) = try Rewrite.apply(rewrites, to: try ModelSource.resolve(model), input: shape)
        let counting = try options.count.map(CountedOperation.parse) ?? []
        let summary = try Summary(architecture, input: shape, counting: counting)
        if options.emitSpec {
            var emitted = architecture
            emitted.input = summary.input
            return ReportOutput(text: try SpecEmitter.emit(emitted), notes: notes)
        }
        let memory = try options.batch.map { try TrainingMemory(summary: summary, batch: $0, optimizer: optimizer ?? .sgd) }
        var text: String
        switch (options.format, memory) {
        case let (.json, memory?):
            var json = SummaryRenderer.json(summary, explain: options.explain)
            if case var .object(entries) = json {
                entries.append(("training_memory", memory.json))
                json = .object(entries)
            }
            text = json.serialized() + "\n"
        case let (.markdown, memory?):
            text = SummaryRenderer.render(summary, format: .markdown, explain: options.explain)
            text += "\n```\n" + memory.text(summary: summary) + "```\n"
        case let (_, memory?):
            text = SummaryRenderer.render(summary, format: options.format, explain: options.explain) + "\n" + memory.text(summary: summary)
        case (_, nil):
            text = SummaryRenderer.render(summary, format: options.format, explain: options.explain)
        }
        return ReportOutput(text: text, notes: notes)
    }
}
