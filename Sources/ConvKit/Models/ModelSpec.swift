import Foundation
import Yams

/// Model spec files: YAML descriptions of any network built from ConvKit's layers.
///
/// ```yaml
/// name: my-net                # optional, defaults to the file name
/// input: [3, 32, 32]          # C, H, W (or [F] for feature vectors)
/// layers:
///   - {type: conv2d, name: conv1, out_channels: 6, kernel_size: 5}
///   - relu                    # layers without required keys may be bare names
///   - {type: maxpool2d, kernel_size: 2}
///   - flatten
///   - {type: linear, out_features: 10}
/// ```
/// Keys follow PyTorch's argument names; every kind declares its keys in its own file, and the
/// README's key table (``LayerKinds/markdownTable()``) lists them.
/// Unnamed layers are named by kind and position (`conv1`, `relu1`, `pool1`, `fc1`, …).
/// Errors name the file, line and column, and what was expected.
public enum ModelSpec {
    /// Upper bounds that keep a malicious or mistaken spec from exhausting memory or stack.
    static let maximumLayers = 100_000
    static let maximumDepth = 64
    static let maximumFileBytes = 16 << 20

    /// Loads and parses the spec file at `path`.
    public static func load(file path: String) throws -> Architecture {
        let url = URL(fileURLWithPath: path)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maximumFileBytes {
            throw ConvKitError.specError(file: path, line: 0, column: 0, reason: "file is \(size) bytes; spec files are limited to \(maximumFileBytes) bytes")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConvKitError.fileError(file: path, reason: "cannot read spec file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConvKitError.specError(file: path, line: 0, column: 0, reason: "file is not valid UTF-8 text")
        }
        let defaultName = url.deletingPathExtension().lastPathComponent
        return try parse(yaml: text, file: path, defaultName: defaultName)
    }

    /// Parses spec text; `file` is used in error messages.
    public static func parse(yaml text: String, file: String = "<spec>", defaultName: String = "model") throws -> Architecture {
        try SpecTextCheck.check(text, file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConvKitError.specError(file: file, line: 1, column: 1, reason: "the file is empty; expected keys 'input' and 'layers'")
            }
            root = node
        } catch let error as ConvKitError {
            throw error
        } catch let error as YamlError {
            throw convert(error, file: file, text: text)
        } catch {
            throw ConvKitError.specError(file: file, line: 0, column: 0, reason: "cannot parse YAML: \(error)")
        }
        let top = try SpecNode(node: root, file: file).mapping("the model spec")
        try top.finish(allowed: ["name", "input", "layers", "description"])
        let name = try top.value("name")?.string("name") ?? defaultName
        let inputNode = try top.required("input")
        let input = try inputNode.list("input").map { try $0.positiveInt("each input dimension") }
        guard input.count == 3 || input.count == 1 else {
            throw inputNode.error("input must be [C, H, W] or [features], found \(input.count) dimensions")
        }
        var budget = maximumLayers
        let body = try LayerSpec.parseList(try top.required("layers"), what: "layers", depth: 0, budget: &budget)
        let notes = try top.value("description").map { [try $0.string("description")] } ?? []
        return Architecture(name: name, input: Shape(input), body: body, notes: notes)
    }

    private static func convert(_ error: YamlError, file: String, text: String) -> ConvKitError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            var reason = "invalid YAML: \(problem)"
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if mark.line >= 1, mark.line <= lines.count, lines[mark.line - 1].contains("\t") {
                reason += " (a tab character: YAML indentation must use spaces, not tabs)"
            }
            return .specError(file: file, line: mark.line, column: mark.column, reason: reason)
        case let .reader(problem, offset, _, _):
            return .specError(file: file, line: 0, column: 0, reason: "cannot read YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return .specError(file: file, line: context.mark.line, column: context.mark.column, reason: "duplicate key \(keys) in a mapping")
        default:
            return .specError(file: file, line: 0, column: 0, reason: "invalid YAML: \(error)")
        }
    }
}

/// Resolves what a user typed as a model: a zoo name, or the path of a spec file.
public enum ModelSource {
    /// The architecture for `nameOrPath`: zoo names win; otherwise an existing file is parsed.
    public static func resolve(_ nameOrPath: String) throws -> Architecture {
        if let model = Zoo.model(named: nameOrPath) { return model }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else {
                throw ConvKitError.fileError(file: nameOrPath, reason: "is a directory, expected a zoo model name or a YAML spec file")
            }
            return try ModelSpec.load(file: nameOrPath)
        }
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") {
            throw ConvKitError.fileError(file: nameOrPath, reason: "no such spec file")
        }
        throw ConvKitError.unknownModel(name: nameOrPath, known: Zoo.names)
    }
}
