import Foundation
import Testing
@testable import ConvKit

/// The model JSON: exact round trips and validation on load.
@Suite struct GaussianModelFileTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("convkit-gaussian-\(UUID().uuidString)-\(name)").path
    }

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func saveThenLoadIsExact(mode: GaussianClassifier.VarianceMode) throws {
        // Features with many significant digits (x/3, 1e-7·x, 1e12 + x) so that no value is "round".
        let table = RandomTable(perClass: [9, 12], features: 4, seed: 17)
        let rows = table.rows.map { r in [r[0] / 3, r[1] * 1e-7, r[2] + 1e12, r[3]] }
        let model = try GaussianClassifier.fit(FeatureMatrix(rows: rows), labels: table.labels, classes: ["no", "yes"],
                                               featureNames: ["a", "b", "c", "d"], mode: mode, varSmoothing: 1e-9)
        let path = Self.temporaryPath("model.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try GaussianModelFile(classifier: model, labelColumn: "answer", classCounts: [9, 12]).save(to: path)
        let loaded = try GaussianModelFile.load(path)
        #expect(loaded.classifier == model)   // every Double bit for bit
        #expect(loaded.labelColumn == "answer" && loaded.classCounts == [9, 12])
        let queries = try FeatureMatrix(rows: rows)
        #expect(try loaded.classifier.predictLogProbabilities(queries) == model.predictLogProbabilities(queries))
        // The folder holds only the model: the temporary file was renamed.
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".model.json.") }.isEmpty)
    }

    @Test func documentedKeysInOrder() throws {
        let model = try GaussianClassifier.fit(FeatureMatrix(rows: [[0, 1], [2, 3], [4, 1]]), labels: [0, 0, 1], classes: ["a", "b"])
        let text = GaussianModelFile(classifier: model).json().serialized()
        let keys = ["\"format\": \"convkit-gaussian\"", "\"version\": 1", "\"mode\": \"shared\"", "\"classes\"", "\"feature_names\"",
                    "\"label_column\": null", "\"var_smoothing\"", "\"priors\"", "\"means\"", "\"variances\""]
        var position = text.startIndex
        for key in keys {
            let range = try #require(text.range(of: key, range: position..<text.endIndex), "\(key) missing or out of order")
            position = range.upperBound
        }
    }

    static let valid = """
    {"format": "convkit-gaussian", "version": 1, "mode": "shared", "classes": ["a", "b"], "feature_names": ["x", "y"],
     "var_smoothing": 1e-9, "priors": [0.25, 0.75], "means": [[0, 1], [2, 3]], "variances": [1.5, 2]}
    """

    @Test func validDocumentLoads() throws {
        let file = try GaussianModelFile(decoding: Data(Self.valid.utf8), file: "m.json")
        #expect(file.classifier.covariance == .shared(variances: [1.5, 2]))
        #expect(file.labelColumn == nil)
    }

    struct BadModel: Sendable, CustomTestStringConvertible {
        let name: String
        let replace: String, with: String
        let message: String
        var testDescription: String { name }
    }

    static let badModels: [BadModel] = [
        BadModel(name: "other format", replace: "convkit-gaussian", with: "keras", message: "m.json: not a ConvKit Gaussian model: format is 'keras'"),
        BadModel(name: "future version", replace: "\"version\": 1", with: "\"version\": 2", message: "m.json: model file version 2 is not supported"),
        BadModel(name: "unknown mode", replace: "\"shared\"", with: "\"diagonal\"", message: "m.json: unknown mode 'diagonal'"),
        BadModel(name: "missing key", replace: "\"priors\"", with: "\"prior\"", message: "m.json: missing key \"priors\""),
        BadModel(name: "string for a number", replace: "[2, 3]", with: "[2, \"3\"]", message: "m.json: means[1][1]: expected a number"),
        BadModel(name: "negative variance", replace: "[1.5, 2]", with: "[1.5, -2]", message: "m.json: variances[1] (feature 'y') is -2.0; variances must be positive"),
        BadModel(name: "priors not summing to 1", replace: "0.75", with: "0.5", message: "m.json: the priors sum to 0.75, not 1"),
        BadModel(name: "short mean row", replace: "[2, 3]", with: "[2]", message: "m.json: means[1] has 1 values, expected 2"),
        BadModel(name: "per-class variances in shared mode", replace: "[1.5, 2]", with: "[[1.5, 2], [1, 1]]", message: "m.json: mode 'shared' needs \"variances\": one number per feature"),
        BadModel(name: "not JSON", replace: "{", with: "", message: "m.json: not a ConvKit Gaussian model (not valid JSON)"),
    ]

    @Test(arguments: badModels)
    func invalidModelsNameTheFile(bad: BadModel) {
        let text = Self.valid.replacingOccurrences(of: bad.replace, with: bad.with)
        let error = expectConvKitError { _ = try GaussianModelFile(decoding: Data(text.utf8), file: "m.json") }
        #expect(error?.description.hasPrefix(bad.message) == true, "\(String(describing: error))")
    }

    @Test func fullSharedCovarianceMustBePositiveDefinite() {
        let text = """
        {"format": "convkit-gaussian", "version": 1, "mode": "full-shared", "classes": ["a"], "feature_names": ["x", "y"],
         "var_smoothing": 0, "priors": [1], "means": [[0, 0]], "covariance": [[1, 2], [2, 1]]}
        """
        let error = expectConvKitError { _ = try GaussianModelFile(decoding: Data(text.utf8), file: "lda.json") }
        #expect(error?.description.hasPrefix("lda.json: the covariance matrix is not positive definite") == true, "\(String(describing: error))")
    }
}
