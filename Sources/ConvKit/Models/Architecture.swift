/// A whole model as a value: a name, a default input shape and a body of layers.
/// Describing an architecture allocates no weights.
public struct Architecture: Sendable {
    /// Model name as shown in summaries (`alexnet`, or the spec's `name`).
    public var name: String
    /// Default input shape for one example, (C, H, W) or (F).
    public var input: Shape
    /// The layers, run in order.
    public var body: Sequential
    /// Source, conventions and deviations, shown by `summary --explain`.
    public var notes: [String]

    public init(name: String, input: Shape, body: Sequential, notes: [String] = []) {
        self.name = name
        self.input = input
        self.body = body
        self.notes = notes
    }

    /// Convenience: a top-level sequential body from a list of layers.
    public init(name: String, input: Shape, layers: [any Layer], notes: [String] = []) {
        self.init(name: name, input: input, body: Sequential(name: "", layers), notes: notes)
    }
}
