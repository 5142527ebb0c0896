/// A layer kind that model specs can describe. Each kind conforms in an `extension X: SpecKind`
/// at the end of its own file; ``LayerKinds/all`` lists the conforming kinds.
///
/// Every kind accepts the common keys `type` and `name` besides its ``specKeys``. A kind whose
/// keys are all optional may be written as a bare name (`- relu`).
protocol SpecKind: Layer {
    /// The canonical spec `type`, e.g. `conv2d`.
    static var specType: String { get }
    /// Other accepted spellings of `type` (`conv` for `conv2d`); default none.
    static var specAliases: [String] { get }
    /// Unnamed layers are named `<prefix><n>`: `conv1`, `fc2`, `pool1`.
    static var specPrefix: String { get }
    /// The kind's keys, in the order they are read, written and listed.
    static var specKeys: [SpecKey<Self>] { get }
    /// A layer named `name` whose optional keys hold their defaults; required keys may hold
    /// placeholders (they are always read before the layer is used). Defaults shown to users are
    /// this instance's values.
    static func specBlank(named name: String) -> Self
    /// A valid layer with non-default values where possible, and an input shape it fits: every
    /// registered kind goes through every walk in the tests with it.
    static var specExample: (layer: Self, input: Shape) { get }
    /// Whether `layer` is written as ``specType`` (default: always; BatchNorm's 1-D layers are not).
    static func specMatches(_ layer: Self) -> Bool
    /// Why `layer` has no spec form although it is of this kind (a value no key expresses), or `nil`.
    static func specProblem(_ layer: Self) -> String?
    /// Whether the name may be empty (an anonymous `concat` puts its branches at its parent's level).
    static var specAllowsEmptyName: Bool { get }
}

extension SpecKind {
    static var specAliases: [String] { [] }
    static func specMatches(_ layer: Self) -> Bool { true }
    static func specProblem(_ layer: Self) -> String? { nil }
    static var specAllowsEmptyName: Bool { false }
}

/// One entry of the layer-kind registry: a ``SpecKind`` with its keys and closures, type-erased.
/// A kind may have several entries under different types (`batchnorm2d`, `batchnorm1d`).
struct LayerKind: Sendable {
    /// The canonical spec `type`.
    let type: String
    /// Other accepted spellings of `type`.
    let aliases: [String]
    /// The prefix of generated names.
    let prefix: String
    /// The kind's own keys, in order (besides `type` and `name`).
    let keys: [SpecKeyInfo]
    /// Whether the layer's name may be empty.
    let allowsEmptyName: Bool
    /// Whether `layer` is written as this entry's type.
    let matches: @Sendable (any Layer) -> Bool
    /// Builds the layer named `name` from a mapping's keys (unknown keys are checked by the caller).
    let build: @Sendable (SpecMapping, String, inout SpecParseContext) throws -> any Layer
    /// The keys to write for a layer this entry ``matches``, in order, defaults omitted.
    let encode: @Sendable (any Layer) -> [(key: String, value: SpecValue)]
    /// Why a matching layer cannot be written, or `nil`.
    let problem: @Sendable (any Layer) -> String?
    /// A valid layer of this entry and an input shape it fits.
    let example: @Sendable () -> (layer: any Layer, input: Shape)

    /// Whether the layer may be written as a bare name (`- relu`): it has no required keys.
    var bare: Bool { !keys.contains(where: \.isRequired) }

    /// The keys as listed to users (the key table, unknown-key errors): the required ones first,
    /// then the optional ones, each in declaration order.
    var listedKeys: [SpecKeyInfo] { keys.filter(\.isRequired) + keys.filter { !$0.isRequired } }

    /// The entry of `kind`, as it declares itself.
    init<K: SpecKind>(_ kind: K.Type) {
        self.init(kind, type: K.specType, aliases: K.specAliases, blank: K.specBlank(named:), matches: K.specMatches,
                  example: { K.specExample })
    }

    /// Another entry of `kind` under another type, with its own blank instance, predicate and example
    /// (the keys, prefix and problems are the kind's).
    init<K: SpecKind>(_ kind: K.Type, type: String, aliases: [String], blank: @escaping @Sendable (String) -> K,
                      matches: @escaping @Sendable (K) -> Bool, example: @escaping @Sendable () -> (layer: K, input: Shape)) {
        self.type = type
        self.aliases = aliases
        self.prefix = K.specPrefix
        self.keys = K.specKeys.map(\.info)
        self.allowsEmptyName = K.specAllowsEmptyName
        self.matches = { layer in (layer as? K).map(matches) ?? false }
        self.build = { mapping, name, context in
            var layer = blank(name)
            var absent: [(inout K) -> Void] = []
            for key in K.specKeys {
                if let node = mapping.value(key.name) {
                    try key.decode(node, &layer, &context)
                } else if key.requirement == .required {
                    _ = try mapping.required(key.name)  // throws "… is missing required key"
                } else if let fill = key.fillAbsent {
                    absent.append(fill)
                }
            }
            for fill in absent { fill(&layer) }
            return layer
        }
        self.encode = { layer in
            guard let layer = layer as? K else { return [] }
            return K.specKeys.compactMap { key in key.encode(layer).map { (key.name, $0) } }
        }
        self.problem = { layer in (layer as? K).flatMap(K.specProblem) }
        self.example = { let (layer, input) = example(); return (layer, input) }
    }
}
