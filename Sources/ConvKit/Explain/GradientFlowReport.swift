/// The logic of `convkit gradients`: builds the network (a model, or an MLP from `--depth`/
/// `--width`), measures ``GradientFlow`` on one batch and renders a table or JSON, and an SVG
/// chart when asked.
public enum GradientFlowReport {
    /// The command's arguments.
    public struct Options: Sendable {
        /// Zoo name or spec path; `nil` builds an MLP.
        public var model: String?
        /// `sigmoid`, `tanh` or `relu`: the MLP's activation (default relu), or the replacement for the model's.
        public var activation: String?
        /// MLP linear layers (default 10).
        public var depth: Int?
        /// MLP hidden width (default 32).
        public var width: Int?
        /// MLP classes (default 10); a model's are its output features.
        public var classes: Int?
        /// `C,H,W` or `F`; default the model's input, or 3,32,32 for an MLP.
        public var input: String?
        /// `default`, `small` or `large`.
        public var initialisation: String
        /// Batch size.
        public var batch: Int
        /// Initialisation and data seed.
        public var seed: UInt64
        /// `random` (default) or a dataset name (see ``loadGradientBatch(dataset:dataDirectory:count:input:classes:seed:)``).
        public var dataset: String?
        /// Folder of the dataset files (`--data-dir`).
        public var dataDirectory: String?
        /// Path of an SVG chart to write.
        public var svg: String?
        /// `table`, `markdown`, `csv` or `json`.
        public var format: OutputFormat
        /// Kernel threads (results are identical for the same count).
        public var threads: Int

        /// Options with the command-line defaults (an MLP, default init, batch 64, seed 1, random data, a table).
        public init(model: String? = nil, activation: String? = nil, depth: Int? = nil, width: Int? = nil, classes: Int? = nil,
                    input: String? = nil, initialisation: String = "default", batch: Int = 64, seed: UInt64 = 1,
                    dataset: String? = nil, dataDirectory: String? = nil, svg: String? = nil, format: OutputFormat = .table, threads: Int = 1) {
            self.model = model
            self.activation = activation
            self.depth = depth
            self.width = width
            self.classes = classes
            self.input = input
            self.initialisation = initialisation
            self.batch = batch
            self.seed = seed
            self.dataset = dataset
            self.dataDirectory = dataDirectory
            self.svg = svg
            self.format = format
            self.threads = threads
        }
    }

    /// Builds the network, loads the batch and measures.
    public static func compute(_ options: Options) throws -> GradientFlow {
        let activation = try options.activation.map(GradientFlow.Activation.init(parsing:))
        let initialisation = try GradientFlow.Initialisation(parsing: options.initialisation)
        guard options.batch >= 1, options.batch <= 65_536 else {
            throw ConvKitError.invalidArgument(name: "--batch", reason: "must be between 1 and 65,536, found \(options.batch)")
        }
        var input = try options.input.map { try Shape(parsing: $0) }
        var architecture: Architecture
        if let model = options.model {
            guard options.depth == nil, options.width == nil, options.classes == nil else {
                throw ConvKitError.invalidArgument(name: "--depth/--width/--classes", reason: "they build an MLP; give either them or MODEL_OR_SPEC, not both")
            }
            architecture = try ModelSource.resolve(model)
            if let activation {
                let (replaced, count) = try GradientFlow.replacingActivations(architecture, with: activation, input: input)
                guard count > 0 else {
                    throw ConvKitError.invalidArgument(name: "--activation", reason: "\(architecture.name) has no ReLU, Sigmoid or Tanh layer to replace")
                }
                architecture = replaced
            }
        } else {
            input = input ?? [3, 32, 32]
            architecture = try GradientFlow.mlp(depth: options.depth ?? 10, width: options.width ?? 32, activation: activation ?? .relu,
                                                input: input ?? [3, 32, 32], classes: options.classes ?? 10)
        }
        let shape = input ?? architecture.input
        let output = try architecture.body.outputShape(for: shape, path: "")
        guard output.rank == 1 else {
            throw ConvKitError.invalidArgument(name: "MODEL_OR_SPEC", reason: "\(architecture.name) ends in \(output), not a vector of class scores: softmax cross-entropy needs one")
        }
        let batch = try loadGradientBatch(dataset: options.dataset, dataDirectory: options.dataDirectory, count: options.batch,
                                          input: shape, classes: output.dimensions[0], seed: options.seed)
        return try GradientFlow(architecture, input: shape, batch: batch, initialisation: initialisation, seed: options.seed,
                                threads: options.threads)
    }

    /// Runs `convkit gradients`; writes the SVG chart when `options.svg` is set.
    public static func run(_ options: Options) throws -> ReportOutput {
        let flow = try compute(options)
        if let path = options.svg { try GradientChart.write(flow, to: path) }
        switch options.format {
        case .json: return ReportOutput(text: json(flow).serialized() + "\n")
        case .csv: return ReportOutput(text: TextTable.csv(headers: ["name", "kind", "output", "weight_gradient_norm", "bias_gradient_norm", "output_gradient_norm"],
                                                           rows: flow.rows.map { [$0.name, $0.kind, $0.output.description.replacingOccurrences(of: "×", with: "x"),
                                                                                  $0.weightGradientNorm.map { "\($0)" } ?? "", $0.biasGradientNorm.map { "\($0)" } ?? "",
                                                                                  "\($0.outputGradientNorm)"] }))
        case .markdown: return ReportOutput(text: header(flow) + "\n" + table(flow).markdown() + "\n" + conclusion(flow))
        case .table: return ReportOutput(text: header(flow) + "\n" + table(flow).text() + "\n" + conclusion(flow))
        }
    }

    static func header(_ flow: GradientFlow) -> String {
        "Gradient norms at initialisation — \(flow.architecture.name), input \(flow.input), batch \(flow.batch), init \(flow.initialisation.rawValue), seed \(flow.seed)\n"
            + "data: \(flow.source); loss (mean cross-entropy) \(ExplainArguments.format(flow.loss, digits: 5))\n"
    }

    static func table(_ flow: GradientFlow) -> TextTable {
        var table = TextTable(headers: ["Layer", "Kind", "Output", "‖∂L/∂W‖", "‖∂L/∂b‖", "‖∂L/∂y‖"],
                              alignments: [.left, .left, .left, .right, .right, .right])
        for row in flow.rows {
            table.rows.append([row.name, row.kind, row.output.description, row.weightGradientNorm.map(ExplainArguments.scientific) ?? "—",
                               row.biasGradientNorm.map(ExplainArguments.scientific) ?? "—", ExplainArguments.scientific(row.outputGradientNorm)])
        }
        return table
    }

    static func conclusion(_ flow: GradientFlow) -> String {
        guard let first = flow.firstWeighted, let last = flow.lastWeighted, first.name != last.name,
              let a = first.weightGradientNorm, let b = last.weightGradientNorm else { return "" }
        var out = "‖∂L/∂W‖ of the first weighted layer (\(first.name)) is \(ExplainArguments.scientific(a)), of the last (\(last.name)) \(ExplainArguments.scientific(b))"
        if let ratio = flow.lastToFirstRatio {
            out += ": last / first = \(ExplainArguments.scientific(ratio))"
            if ratio >= 100 { out += " — the gradient vanishes on its way back" }
            else if ratio <= 0.01 { out += " — the gradient explodes on its way back" }
        }
        return out + "\n"
    }

    static func json(_ flow: GradientFlow) -> JSONValue {
        func optional(_ v: Double?) -> JSONValue { v.map(JSONValue.double) ?? .null }
        return .object([
            ("model", .string(flow.architecture.name)),
            ("input", .array(flow.input.dimensions.map(JSONValue.int))),
            ("batch", .int(flow.batch)),
            ("init", .string(flow.initialisation.rawValue)),
            ("seed", .int(Int(truncatingIfNeeded: flow.seed))),
            ("data", .string(flow.source)),
            ("loss", .double(flow.loss)),
            ("layers", .array(flow.rows.map { row in
                .object([("name", .string(row.name)), ("kind", .string(row.kind)),
                         ("output", .array(row.output.dimensions.map(JSONValue.int))),
                         ("weight_gradient_norm", optional(row.weightGradientNorm)),
                         ("bias_gradient_norm", optional(row.biasGradientNorm)),
                         ("output_gradient_norm", .double(row.outputGradientNorm))])
            })),
            ("first_weighted_layer", flow.firstWeighted.map { .string($0.name) } ?? .null),
            ("last_weighted_layer", flow.lastWeighted.map { .string($0.name) } ?? .null),
            ("last_to_first_weight_gradient_ratio", optional(flow.lastToFirstRatio)),
        ])
    }
}
