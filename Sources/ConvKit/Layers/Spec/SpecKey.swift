/// One key of a layer kind in a model spec, declared once in the kind's file: its name, whether it
/// is required (or its default as users see it), its value type and a short doc, and how it is read
/// (with validation, errors at the value's `file:line:column`) and written.
///
/// The spec parser (``LayerSpec``), the emitter (``SpecEmitter``), the README's key table
/// (``LayerKinds/markdownTable()``) and the unknown-key error are all derived from these
/// declarations; the builders in `SpecKeyBuilders.swift` make the common ones a line each.
struct SpecKey<L> {
    /// The key as written in YAML (PyTorch's argument name), e.g. `kernel_size`.
    let name: String
    let requirement: SpecRequirement
    /// The value type as users read it: `int`, `int or [h, w]`, `bool`, `number`, `list of layers`, …
    let typeText: String
    /// What the key means, for the key table.
    let doc: String
    /// Reads and validates the key's value into the layer.
    let decode: (SpecNode, inout L, inout SpecParseContext) throws -> Void
    /// The value to write, or `nil` to omit the key (it holds its default).
    let encode: (L) -> SpecValue?
    /// Applied when the key is absent, after every present key is read: for a default that
    /// depends on other keys (pooling's `stride` defaults to `kernel_size`). `nil`: the blank
    /// instance already holds the default.
    var fillAbsent: ((inout L) -> Void)? = nil

    /// The key's description without its closures.
    var info: SpecKeyInfo { SpecKeyInfo(name: name, requirement: requirement, typeText: typeText, doc: doc) }
}

/// Whether a spec key must be given, and if not, what its absence means.
enum SpecRequirement: Sendable, Equatable {
    case required
    /// The key may be omitted; `default` is the value it then has, as shown to users
    /// (`1`, `valid`, `true`, `kernel_size`, or `any` for a value checked only when given).
    case optional(default: String)
}

/// A spec key's name, requirement, type and doc (what the key table and error messages need).
struct SpecKeyInfo: Sendable, Equatable {
    let name: String
    let requirement: SpecRequirement
    let typeText: String
    let doc: String
    var isRequired: Bool { requirement == .required }
}

/// A key's value as the emitter writes it.
enum SpecValue {
    /// YAML flow text: `3`, `[3, 5]`, `true`, `0.5`, `same`.
    case inline(String)
    /// A nested list of layers with their `inputs:`, written as a block (`sequential`'s `layers`).
    case layers(Sequential)
    /// Named lists of layers, written as a block of `{name, layers}` entries (`concat`'s `branches`).
    case branches([Sequential])
}

/// What a key's decoder may need beyond its value: the nesting depth, the remaining layer budget
/// and the list parser of ``LayerSpec`` (supplied by it, so that Layers does not depend on Models),
/// which container keys such as `layers` and `branches` call.
struct SpecParseContext {
    /// The depth of the list that holds the layer being read (0: the model's `layers`).
    let depth: Int
    /// How many more layers the spec may declare (see ``ModelSpec``'s limits).
    var budget: Int
    /// Parses a list of layer entries at the given depth: `(node, what, depth, &budget)`.
    let parseList: (SpecNode, String, Int, inout Int) throws -> Sequential

    /// Parses `node` as a list of layers one level deeper (an unnamed ``Sequential`` holding the
    /// layers and their `inputs:`); `what` names it in errors.
    mutating func layers(_ node: SpecNode, what: String) throws -> Sequential {
        try parseList(node, what, depth + 1, &budget)
    }
}
