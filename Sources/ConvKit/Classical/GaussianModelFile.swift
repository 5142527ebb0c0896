import Foundation

/// The JSON file of a fitted ``GaussianClassifier`` (`convkit gaussian fit --out MODEL.json`):
///
///     {"format": "convkit-gaussian", "version": 1, "mode": "shared" | "per-class" | "full-shared",
///      "classes": [K names], "feature_names": [D names], "label_column": "…" or null,
///      "class_counts": [N_k], "var_smoothing": ε, "priors": [α_k],
///      "means": [[μ_k1 … μ_kD] × K],
///      "variances": [σ_1² … σ_D²]            (shared)
///                 | [[σ_k1² … σ_kD²] × K]    (per-class)
///      "covariance": [[Σ_i1 … Σ_iD] × D]     (full-shared, instead of "variances")}
///
/// Variances already include the smoothing. Numbers are written in the shortest form that reads
/// back to the same Float64, so a saved model loads back bit for bit. Loading checks everything
/// (known format, version and mode, consistent sizes, positive variances, priors summing to 1) and
/// names the file in every error. Keys are snake_case and only ever added to.
public struct GaussianModelFile: Sendable, Equatable {
    /// The `format` value.
    public static let format = "convkit-gaussian"
    /// The `version` value this code writes and reads.
    public static let version = 1

    /// The model.
    public var classifier: GaussianClassifier
    /// The CSV column the labels came from (nil for image datasets); `score` uses it by default.
    public var labelColumn: String?
    /// N_k, the training examples of each class (informational; may be absent).
    public var classCounts: [Int]?

    /// A file for `classifier`.
    public init(classifier: GaussianClassifier, labelColumn: String? = nil, classCounts: [Int]? = nil) {
        self.classifier = classifier
        self.labelColumn = labelColumn
        self.classCounts = classCounts
    }

    /// The JSON document, keys in the documented order.
    public func json() -> JSONValue {
        let model = classifier
        func numbers(_ values: [Double]) -> JSONValue { .array(values.map(JSONValue.double)) }
        var entries: [(String, JSONValue)] = [
            ("format", .string(Self.format)),
            ("version", .int(Self.version)),
            ("mode", .string(model.mode.rawValue)),
            ("classes", .array(model.classes.map(JSONValue.string))),
            ("feature_names", .array(model.featureNames.map(JSONValue.string))),
            ("label_column", labelColumn.map(JSONValue.string) ?? .null),
        ]
        if let classCounts { entries.append(("class_counts", .array(classCounts.map(JSONValue.int)))) }
        entries += [
            ("var_smoothing", .double(model.varSmoothing)),
            ("priors", numbers(model.priors)),
            ("means", .array(model.means.map(numbers))),
        ]
        switch model.covariance {
        case let .shared(variances): entries.append(("variances", numbers(variances)))
        case let .perClass(variances): entries.append(("variances", .array(variances.map(numbers))))
        case let .fullShared(matrix): entries.append(("covariance", .array(matrix.map(numbers))))
        }
        return .object(entries)
    }

    /// Writes the JSON to `path` atomically (temporary file, then rename).
    public func save(to path: String) throws {
        try AtomicFile.write(json().serialized() + "\n", to: path)
    }

    /// Reads and validates the model file at `path`.
    public static func load(_ path: String) throws -> GaussianModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConvKitError.fileError(file: path, reason: "no such model file")
        }
        return try GaussianModelFile(decoding: data, file: path)
    }

    /// Decodes and validates model JSON; `file` names the source in errors.
    public init(decoding data: Data, file: String) throws {
        func fail(_ reason: String) -> ConvKitError { .fileError(file: file, reason: reason) }
        let decoder = JSONDecoder()
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            throw fail("not a ConvKit Gaussian model (\(Self.describe(error)))")
        }
        guard header.format == Self.format else {
            throw fail("not a ConvKit Gaussian model: format is '\(header.format)', expected '\(Self.format)'")
        }
        guard header.version == Self.version else {
            throw fail("model file version \(header.version) is not supported (this ConvKit reads version \(Self.version))")
        }
        let raw: Raw
        do {
            raw = try decoder.decode(Raw.self, from: data)
        } catch {
            throw fail(Self.describe(error))
        }
        let mode: GaussianClassifier.VarianceMode
        do {
            mode = try GaussianClassifier.VarianceMode(parsing: raw.mode)
        } catch {
            throw fail("unknown mode '\(raw.mode)' (expected \(GaussianClassifier.VarianceMode.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let covariance: GaussianClassifier.Covariance
        switch (mode, raw.variances, raw.covariance) {
        case let (.shared, .vector(v)?, nil): covariance = .shared(variances: v)
        case let (.perClass, .matrix(v)?, nil): covariance = .perClass(variances: v)
        case let (.fullShared, nil, c?): covariance = .fullShared(covariance: c)
        case (.shared, _, _): throw fail("mode 'shared' needs \"variances\": one number per feature (and no \"covariance\")")
        case (.perClass, _, _): throw fail("mode 'per-class' needs \"variances\": one list per class (and no \"covariance\")")
        case (.fullShared, _, _): throw fail("mode 'full-shared' needs \"covariance\": a D × D matrix (and no \"variances\")")
        }
        if let counts = raw.classCounts, counts.count != raw.classes.count || counts.contains(where: { $0 < 0 }) {
            throw fail("class_counts must hold one non-negative count per class")
        }
        do {
            classifier = try GaussianClassifier(classes: raw.classes, featureNames: raw.featureNames, priors: raw.priors,
                                                means: raw.means, covariance: covariance, varSmoothing: raw.varSmoothing)
        } catch let ConvKitError.invalidArgument(_, reason) {
            throw fail(reason)
        }
        labelColumn = raw.labelColumn
        classCounts = raw.classCounts
    }

    private struct Header: Decodable {
        let format: String
        let version: Int
    }

    private enum Variances: Decodable {
        case vector([Double])
        case matrix([[Double]])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let vector = try? container.decode([Double].self) {
                self = .vector(vector)
            } else {
                self = .matrix(try container.decode([[Double]].self))
            }
        }
    }

    private struct Raw: Decodable {
        let mode: String
        let classes: [String]
        let featureNames: [String]
        let labelColumn: String?
        let classCounts: [Int]?
        let varSmoothing: Double
        let priors: [Double]
        let means: [[Double]]
        let variances: Variances?
        let covariance: [[Double]]?

        enum CodingKeys: String, CodingKey {
            case mode, classes, priors, means, variances, covariance
            case featureNames = "feature_names", labelColumn = "label_column", classCounts = "class_counts", varSmoothing = "var_smoothing"
        }
    }

    /// A one-line description of a decoding error with its JSON path (`means[1][2]`).
    private static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.reduce("") { text, key in key.intValue.map { text + "[\($0)]" } ?? (text.isEmpty ? key.stringValue : text + "." + key.stringValue) }
        }
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case let .keyNotFound(key, context):
            let at = path(context.codingPath)
            return "missing key \"\(key.stringValue)\"" + (at.isEmpty ? "" : " in \(at)")
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return "\(path(context.codingPath)): expected \(type == Double.self ? "a number" : type == String.self ? "a string" : "\(type)")"
        case let .dataCorrupted(context):
            let at = path(context.codingPath)
            return at.isEmpty ? "not valid JSON" : "\(at): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
