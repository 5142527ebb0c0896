/// One row of a model summary: a leaf layer (or a concatenation join) with its exact costs.
public struct SummaryRow: Equatable, Sendable {
    /// Dotted layer name, e.g. `branch2.reduce`.
    public var name: String
    /// Layer kind, e.g. `Conv2d`.
    public var kind: String
    /// Input shape for one example.
    public var input: Shape
    /// Output shape for one example.
    public var output: Shape
    /// Exact costs with their arithmetic.
    public var cost: LayerCost
    /// Receptive field of one output unit after this layer.
    public var field: ReceptiveField
    /// Arithmetic behind the output shape and receptive field, for `--explain`.
    public var shapeNotes: [String]
    /// The rows this row reads (`input` for the model input): Keras' "Connected to". A plain
    /// chain reads the row before; a merge (`Add`, `Concat`) lists each of its inputs.
    public var inputs: [String]

    public init(name: String, kind: String, input: Shape, output: Shape, cost: LayerCost, field: ReceptiveField,
                shapeNotes: [String], inputs: [String] = []) {
        self.name = name
        self.kind = kind
        self.input = input
        self.output = output
        self.cost = cost
        self.field = field
        self.shapeNotes = shapeNotes
        self.inputs = inputs
    }
}

/// Totals over all rows of a summary (per example).
public struct SummaryTotals: Equatable, Sendable {
    public var units = 0, weights = 0, biases = 0, params = 0, macs = 0, connections = 0
    public var activationBytes = 0, parameterBytes = 0
}

/// The exact per-layer analysis of a model for one input shape.
public struct Summary: Sendable {
    /// Model name (zoo name or spec name).
    public var model: String
    /// Input shape (C, H, W) or (F).
    public var input: Shape
    /// Output shape of the whole model.
    public var output: Shape
    /// One row per leaf layer in execution order.
    public var rows: [SummaryRow]
    /// Sums of the rows' columns, overflow-checked.
    public var totals: SummaryTotals
    /// Receptive field of one output unit of the whole model.
    public var field: ReceptiveField
    /// Notes about the model's source and conventions (shown by `--explain`).
    public var notes: [String]

    /// Whether every row reads the row before it (the first reads the input): a plain chain,
    /// with no branches or merges.
    public var isChain: Bool {
        rows.indices.allSatisfy { rows[$0].inputs == [$0 == 0 ? "input" : rows[$0 - 1].name] }
    }

    /// The operations added to the MAC column (`--count`), none by default.
    public var counted: Set<CountedOperation> = []

    /// Analyses `architecture` for `input` (the architecture's default input when `nil`), adding
    /// the operations in `counting` to each row's MACs (``CountedOperation``).
    public init(_ architecture: Architecture, input: Shape? = nil, counting: Set<CountedOperation> = []) throws {
        let input = input ?? architecture.input
        guard input.dimensions.allSatisfy({ $0 > 0 }) else {
            throw ConvKitError.invalidArgument(name: "input shape", reason: "\(input) has a non-positive dimension")
        }
        var rows: [SummaryRow] = []
        let final = try architecture.body.analyze(AnalysisState(shape: input), path: "", into: &rows)
        if !counting.isEmpty {
            for index in rows.indices { rows[index].cost = try rows[index].cost.counting(counting, path: rows[index].name) }
        }
        self.counted = counting
        var totals = SummaryTotals()
        for row in rows {
            let c = row.cost
            // Per-row bytes are shown too: make sure they do not wrap either.
            _ = try Checked.multiply(c.units.value, 4, "activation memory of \(row.name)")
            _ = try Checked.multiply(c.params, 4, "parameter memory of \(row.name)")
            totals.units = try Checked.add(totals.units, c.units.value, "total units")
            totals.weights = try Checked.add(totals.weights, c.weights.value, "total weights")
            totals.biases = try Checked.add(totals.biases, c.biases.value, "total biases")
            totals.params = try Checked.add(totals.params, c.params, "total params")
            totals.macs = try Checked.add(totals.macs, c.macs.value, "total MACs")
            totals.connections = try Checked.add(totals.connections, c.connections.value, "total connections")
        }
        totals.activationBytes = try Checked.multiply(totals.units, 4, "activation memory")
        totals.parameterBytes = try Checked.multiply(totals.params, 4, "parameter memory")
        self.model = architecture.name
        self.input = input
        self.output = final.shape
        self.rows = rows
        self.totals = totals
        self.field = final.field
        self.notes = architecture.notes
    }
}
