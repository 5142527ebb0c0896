import Foundation
import Testing
@testable import ConvKit

/// Every registered layer kind through the spec walks, from its declaration: YAML round trip of
/// its example, its README rows, the bare-name rule, unknown and missing keys, and defaults.
@Suite struct LayerKindsTests {
    static let types = LayerKinds.all.map(\.type)

    func kind(_ type: String) throws -> LayerKind { try #require(LayerKinds.kind(for: type)) }

    /// A one-layer model of the kind's example, on the example's input; a merge reads two
    /// earlier element-wise layers.
    func exampleModel(_ kind: LayerKind) -> Architecture {
        let (layer, input) = kind.example()
        guard layer is any MergeLayer else { return Architecture(name: "example-\(kind.type)", input: input, layers: [layer]) }
        return Architecture(name: "example-\(kind.type)", input: input,
                            body: Sequential(name: "", [Tanh("p"), Sigmoid("q"), layer], inputs: [layer.name: ["p", "q"]]))
    }

    @Test(arguments: types)
    func exampleRoundTripsThroughYAML(type: String) throws {
        let kind = try kind(type)
        let model = exampleModel(kind)
        #expect(LayerKinds.all.filter { $0.matches(model.body.layers[model.body.layers.count - 1]) }.map(\.type) == [type], "exactly one entry writes the example")
        let text = try SpecEmitter.emit(model)
        #expect(text.contains("type: \(type)"), "\(text)")
        let parsed = try ModelSpec.parse(yaml: text, file: "\(type).yaml")
        let (before, after) = (try Summary(model), try Summary(parsed))
        #expect(after.rows.map(\.name) == before.rows.map(\.name))
        for (x, y) in zip(after.rows, before.rows) {
            let same = x == y  // kind, shapes, every count with its formula, receptive field
            #expect(same, "row \(x.name) differs after the round trip")
        }
        let sameTotals = after.totals == before.totals
        #expect(sameTotals)
        #expect(try SpecEmitter.emit(parsed) == text, "emitting the parsed model gives the same text")
    }

    @Test func readmeHoldsTheGeneratedKeyTable() throws {
        let readme = try String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)
        #expect(readme.contains(LayerKinds.markdownTable()), "README's key table differs from `convkit models --spec-keys`")
        for group in LayerKinds.tableGroups {
            let rows = LayerKinds.markdownRows(group).joined(separator: "\n") + "\n"
            #expect(readme.contains(rows), "README rows of \(group.map(\.type))")
        }
        #expect(LayerKinds.tableGroups.flatMap { $0 }.map(\.type) == Self.types)
    }

    @Test func commandLinePrintsTheKeyTable() throws {
        let result = try CommandLineTests.run(["models", "--spec-keys"])
        #expect(result.status == 0)
        #expect(result.stdout == LayerKinds.markdownTable())
    }

    @Test(arguments: types)
    func bareNamesExactlyForKindsWithoutRequiredKeys(type: String) throws {
        let kind = try kind(type)
        #expect(kind.bare == kind.keys.allSatisfy { !$0.isRequired })
        let yaml = "input: \(SpecText.list(kind.example().input.dimensions))\nlayers:\n  - \(type)\n"
        if kind.bare {
            let model = try ModelSpec.parse(yaml: yaml)
            #expect(model.body.layers.first?.name == kind.prefix + "1")
            // A merge, and a concat without branches, read layers named by `inputs`: bare, they do not fit.
            if !(kind.example().layer is any MergeLayer) && kind.type != Concat.specType {
                #expect(try Summary(model).rows.first?.name == kind.prefix + "1")
            }
        } else {
            let error = expectConvKitError { _ = try ModelSpec.parse(yaml: yaml) }
            #expect(error?.description.contains("layer '\(type)' needs parameters") == true)
        }
    }

    @Test(arguments: types)
    func unknownKeyErrorListsExactlyTheDeclaredKeys(type: String) throws {
        let kind = try kind(type)
        let yaml = "input: [3, 8, 8]\nlayers:\n  - {type: \(type), no_such_key: 1}\n"
        let error = try #require(expectConvKitError { _ = try ModelSpec.parse(yaml: yaml) })
        guard case let .specError(_, line, column, reason) = error else {
            Issue.record("expected a spec error, got \(error)")
            return
        }
        #expect(line == 3 && column == 14 + type.count, "at the key")
        let prefix = "unknown key 'no_such_key' in a layer (expected one of: "
        #expect(reason.hasPrefix(prefix) && reason.hasSuffix(")"), "\(reason)")
        let listed = reason.dropFirst(prefix.count).dropLast().components(separatedBy: ", ")
        #expect(listed == ["type", "name", LayerSpec.inputsKey] + kind.listedKeys.map(\.name))
        #expect(Set(listed) == Set(["type", "name", LayerSpec.inputsKey] + kind.keys.map(\.name)))
    }

    @Test(arguments: types)
    func missingRequiredKeysAreNamed(type: String) throws {
        let kind = try kind(type)
        for key in kind.keys where key.isRequired {
            // Every other key as the example writes it; containers get one relu where layers are required.
            let others = requiredFields(kind).filter { $0.key != key.name }.map { "\($0.key): \($0.text)" }
            let yaml = "input: [3, 8, 8]\nlayers:\n  - {" + (["type: \(type)"] + others).joined(separator: ", ") + "}\n"
            let error = expectConvKitError { _ = try ModelSpec.parse(yaml: yaml) }
            #expect(error?.description.contains("a layer is missing required key '\(key.name)'") == true, "\(String(describing: error))")
        }
    }

    /// The required keys of `kind` with flow values: the example's inline values, `[relu]` for a
    /// layer list and `[{layers: [relu]}]` for branches.
    func requiredFields(_ kind: LayerKind) -> [(key: String, text: String)] {
        let required = Set(kind.keys.filter(\.isRequired).map(\.name))
        return kind.encode(kind.example().layer).filter { required.contains($0.key) }.map { field in
            switch field.value {
            case let .inline(text): return (field.key, text)
            case .layers: return (field.key, "[relu]")
            case .branches: return (field.key, "[{layers: [relu]}]")
            }
        }
    }

    /// Defaults shown to users that are not values of the key (a key name, "no value").
    static let descriptiveDefaults: Set = ["any", "none", "kernel_size", "identity"]

    @Test(arguments: types)
    func writingTheDocumentedDefaultIsTheSameAsOmittingIt(type: String) throws {
        let kind = try kind(type)
        let required = requiredFields(kind).map { "\($0.key): \($0.text)" }
        let input = SpecText.list(kind.example().input.dimensions)
        func emitted(_ extra: [String]) throws -> String {
            let fields = ["type: \(type)", "name: x"] + required + extra
            return try SpecEmitter.emit(try ModelSpec.parse(yaml: "input: \(input)\nlayers:\n  - {\(fields.joined(separator: ", "))}\n"))
        }
        let omitted = try emitted([])
        for key in kind.keys {
            guard case let .optional(text) = key.requirement, !Self.descriptiveDefaults.contains(text) else { continue }
            #expect(try emitted(["\(key.name): \(text)"]) == omitted, "\(type).\(key.name): \(text)")
        }
    }

    @Test func registryNamesAreUnambiguous() throws {
        let spellings = LayerKinds.all.flatMap { [$0.type] + $0.aliases }
        #expect(Set(spellings).count == spellings.count, "a type or alias is used twice")
        for kind in LayerKinds.all {
            #expect(!kind.prefix.isEmpty)
            for spelling in [kind.type] + kind.aliases { #expect(LayerKinds.kind(for: spelling)?.type == kind.type) }
            let names = kind.keys.map(\.name)
            #expect(Set(names).count == names.count && !names.contains("type") && !names.contains("name"), "keys of \(kind.type)")
        }
        #expect(LayerKinds.kind(for: "Batch_Norm_2d")?.type == "batchnorm2d")
        #expect(LayerKinds.kind(for: "conv3d") == nil)
    }

    @Test func sharedRulesGiveTheSameMessages() throws {
        // Dropout's probability: the spec key, the layer's shape check and `train --dropout`.
        let spec = expectConvKitError { _ = try ModelSpec.parse(yaml: "input: [4]\nlayers:\n  - {type: dropout, p: 1}\n") }
        #expect(spec == .specError(file: "<spec>", line: 3, column: 24, reason: "p must be in [0, 1), found 1.0"))
        let layer = expectConvKitError { _ = try Dropout("d", probability: 1).outputShape(for: [4], path: "d") }
        #expect(layer == .invalidLayer(layer: "d", reason: "dropout probability must be in [0, 1), found 1.0"))
        let lenet = try #require(Zoo.model(named: "lenet5"))
        let option = expectConvKitError { _ = try ArchitectureOptions.insertingDropout(lenet, probability: 1.5) }
        #expect(option == .invalidArgument(name: "--dropout", reason: "must be in [0, 1), found 1.5"))
        // BatchNorm's ε and momentum.
        let eps = expectConvKitError { _ = try ModelSpec.parse(yaml: "input: [4]\nlayers:\n  - {type: batchnorm1d, eps: 0}\n") }
        #expect(eps?.description.contains("eps must be positive, found 0.0") == true)
        let momentum = expectConvKitError { _ = try BatchNorm("bn", .one, momentum: 2).outputShape(for: [4], path: "bn") }
        #expect(momentum == .invalidLayer(layer: "bn", reason: "momentum must be in [0, 1], found 2.0"))
    }

    @Test func averagePoolingWithDilationHasNoSpecForm() {
        let pool = AvgPool2d("pool", window: PoolingWindow(kernel: Size2(2), dilation: Size2(2)))
        let model = Architecture(name: "m", input: [1, 8, 8], layers: [pool])
        let error = expectConvKitError { _ = try SpecEmitter.emit(model) }
        #expect(error == .invalidLayer(layer: "pool", reason: "average pooling has no dilation, found 2"))
    }
}
