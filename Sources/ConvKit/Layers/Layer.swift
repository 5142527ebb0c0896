/// A layer as an architecture value: its kind and hyper-parameters, no weights.
///
/// Describing a model with layers allocates nothing proportional to its parameter count;
/// weights exist only once a network is instantiated. Every layer knows its shape rule,
/// and the analysis walks layers through ``analyze(_:path:into:)``.
public protocol Layer: Sendable {
    /// The layer's name inside its parent (e.g. `conv1`); dotted paths join these.
    var name: String { get }
    /// The layer kind as shown in summaries and spec files, e.g. `Conv2d`.
    var kind: String { get }
    /// The output shape for one example of the given input shape.
    /// - Parameter path: the dotted layer name used in error messages.
    /// - Throws: ``ConvKitError`` naming `path` when the input does not fit.
    func outputShape(for input: Shape, path: String) throws -> Shape
    /// Appends this layer's summary rows (one per leaf layer, in execution order)
    /// and returns the state after it.
    func analyze(_ state: AnalysisState, path: String, into rows: inout [SummaryRow]) throws -> AnalysisState
}

/// A layer without sub-layers: one node of the model graph, with exactly one summary row.
public protocol LeafLayer: Layer {
    /// Exact per-example cost given the input and output shapes.
    func cost(input: Shape, output: Shape, path: String) throws -> LayerCost
    /// The receptive field after this layer, given the field before it.
    func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField
    /// The arithmetic behind the output shape, for `--explain` (empty when trivial).
    func shapeFormula(input: Shape, output: Shape) -> [String]
    /// Which positions of the input (`C×H×W`) the output positions in `mask` read: the layer's
    /// own rule for `explain receptive-field` (a window for convolution and pooling, the same
    /// position for element-wise layers).
    /// - Throws: ``ConvKitError`` when the layer has no spatial position rule (e.g. a linear layer).
    func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask
    /// The arithmetic behind the receptive field after this layer, for `--explain`. Default:
    /// the generic `r = r_in + (k−1)·j_in` text of ``ReceptiveField``; layers whose rule is not a
    /// window (upsampling) write their own.
    func receptiveFieldFormula(from before: ReceptiveField, to after: ReceptiveField, input: Shape) -> String
    /// The operations outside ConvKit's MAC convention that other counting tools add
    /// (``CountedOperation``): batch norm, merges, pooling, activations, biases. Default: none.
    func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count]
}

/// What flows between layers during analysis: the activation shape, its receptive field and
/// the summary row that produced it (`input` for the model input).
public struct AnalysisState: Sendable, Equatable {
    public var shape: Shape
    public var field: ReceptiveField
    /// The name of the row whose output this is (`input` for the network input).
    public var source: String
    public init(shape: Shape, field: ReceptiveField = .pixel, source: String = "input") {
        self.shape = shape
        self.field = field
        self.source = source
    }
}

extension LeafLayer {
    /// Default: the field is unchanged (element-wise layers).
    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField { field }
    public func shapeFormula(input: Shape, output: Shape) -> [String] { [] }
    public func countedOperations(input: Shape, output: Shape) throws -> [CountedOperation: Count] { [:] }
    public func receptiveFieldFormula(from before: ReceptiveField, to after: ReceptiveField, input: Shape) -> String {
        after.formula(from: before)
    }

    public func analyze(_ state: AnalysisState, path: String, into rows: inout [SummaryRow]) throws -> AnalysisState {
        let output = try outputShape(for: state.shape, path: path)
        var cost = try self.cost(input: state.shape, output: output, path: path)
        cost.extraOperations = try countedOperations(input: state.shape, output: output)
        let field = try receptiveField(after: state.field, input: state.shape, path: path)
        var notes = shapeFormula(input: state.shape, output: output)
        if field != state.field { notes.append("receptive field: " + receptiveFieldFormula(from: state.field, to: field, input: state.shape)) }
        rows.append(SummaryRow(name: path, kind: kind, input: state.shape, output: output,
                               cost: cost, field: field, shapeNotes: notes, inputs: [state.source]))
        return AnalysisState(shape: output, field: field, source: path)
    }
}

/// The position rule of layers that have none: every output reads the whole input, which is
/// not a position-to-position map (linear layers, flatten).
func noPositionRule(_ kind: String, path: String) -> ConvKitError {
    ConvKitError.invalidLayer(layer: path, reason: "every output of \(kind) reads its whole input; it has no position-to-position rule")
}

/// Joins a parent path and a child name with a dot (`features` + `0` → `features.0`); an empty
/// child name (an anonymous block) stays at the parent's level.
func joinPath(_ parent: String, _ child: String) -> String {
    parent.isEmpty ? child : child.isEmpty ? parent : parent + "." + child
}

/// Checks that `input` has the given rank, else throws a shape mismatch naming `path`.
func requireRank(_ input: Shape, _ rank: Int, path: String, expected: String) throws {
    guard input.rank == rank else {
        throw ConvKitError.shapeMismatch(layer: path, expected: expected, found: input.description)
    }
}
