import Foundation
import Testing
@testable import ConvKit

/// End-to-end: `convkit gaussian fit`, `predict`, `score` through the built executable.
@Suite struct GaussianCommandLineTests {
    static let fruit = Repository.fixture("gaussian/fruit.csv")

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-gaussian-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test(arguments: GaussianClassifier.VarianceMode.allCases)
    func fitPredictScore(mode: GaussianClassifier.VarianceMode) throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.json").path

        let fit = try CommandLineTests.run(["gaussian", "fit", Self.fruit, "--label", "fruit", "--variance", mode.rawValue, "--out", model])
        #expect(fit.status == 0, "\(fit.stderr)")
        #expect(fit.stdout.contains("Fitted a \(mode.rawValue) Gaussian classifier") && fit.stdout.contains("wrote \(model)"))
        let file = try GaussianModelFile.load(model)
        #expect(file.classifier.classes == ["apple", "banana", "cherry"] && file.classifier.mode == mode)

        let predict = try CommandLineTests.run(["gaussian", "predict", model, Self.fruit, "--proba"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let lines = predict.stdout.split(separator: "\n")
        #expect(lines.first == "predicted,p_apple,p_banana,p_cherry")
        #expect(lines.count == 61)   // header + one line per row, in order
        // Row 1 of fruit.csv is a banana at (1.961, 2.799, -0.769).
        let first = lines[1].split(separator: ",")
        #expect(first[0] == "banana")
        let probabilities = first.dropFirst().compactMap { Double($0) }
        #expect(probabilities.count == 3 && abs(probabilities.reduce(0, +) - 1) < 1e-12)

        let predictions = folder.appendingPathComponent("predictions.csv").path
        let toFile = try CommandLineTests.run(["gaussian", "predict", model, Self.fruit, "--out", predictions])
        #expect(toFile.status == 0 && toFile.stdout.isEmpty)
        let written = try String(contentsOfFile: predictions, encoding: .utf8)
        #expect(written.hasPrefix("predicted\nbanana\n") && written.split(separator: "\n").count == 61)

        let score = try CommandLineTests.run(["gaussian", "score", model, Self.fruit, "--format", "json"])
        #expect(score.status == 0, "\(score.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as? [String: Any])
        #expect(json["examples"] as? Int == 60)
        #expect(json["accuracy"] as? Double == 1)   // three well separated fruits
        let terms = try #require(json["nll_terms"] as? [String: Double])
        let total = try #require(json["nll"] as? Double)
        #expect(abs(terms.values.reduce(0, +) - total) < 1e-9)
        // Training data, ML fit: the Mahalanobis term is N·D/2 = 60·3/2 = 90 (up to the 1e-9 smoothing).
        #expect(abs((terms["mahalanobis"] ?? 0) - 90) < 1e-6)

        let table = try CommandLineTests.run(["gaussian", "score", model, Self.fruit])
        #expect(table.status == 0 && table.stdout.contains("accuracy") && table.stdout.contains("1.0000 (60/60)"))
    }

    @Test func priorsAndSmoothingFlags() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("m.json").path
        let fit = try CommandLineTests.run(["gaussian", "fit", Self.fruit, "--label", "fruit", "--priors", "0.5,0.25,0.25", "--var-smoothing", "0.01", "--out", model])
        #expect(fit.status == 0, "\(fit.stderr)")
        let file = try GaussianModelFile.load(model)
        #expect(file.classifier.priors == [0.5, 0.25, 0.25] && file.classifier.varSmoothing == 0.01)
    }

    struct BadCall: Sendable, CustomTestStringConvertible {
        let arguments: [String], message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let badCalls: [BadCall] = [
        BadCall(arguments: ["gaussian", "fit", fruit, "--label", "colour", "--out", "/tmp/x.json"],
                message: "invalid value for --label: \(fruit) has no column 'colour' (columns: 'length', 'width', 'weight', 'fruit')"),
        BadCall(arguments: ["gaussian", "fit", fruit, "--out", "/tmp/x.json"], message: "fitting on a CSV file needs --label COLUMN"),
        BadCall(arguments: ["gaussian", "fit", Repository.fixture("gaussian/non-numeric.csv"), "--label", "fruit", "--out", "/tmp/x.json"],
                message: "non-numeric.csv:4: column 'width': 'seven' is not a finite number"),
        BadCall(arguments: ["gaussian", "fit", Repository.fixture("gaussian/missing-value.csv"), "--label", "fruit", "--out", "/tmp/x.json"],
                message: "missing-value.csv:4: column 'weight': missing value"),
        BadCall(arguments: ["gaussian", "fit", fruit, "--label", "fruit", "--variance", "diagonal", "--out", "/tmp/x.json"],
                message: "invalid value for --variance: 'diagonal' is not one of shared, per-class, full-shared"),
        BadCall(arguments: ["gaussian", "fit", fruit, "--label", "fruit", "--priors", "0.5,0.5", "--out", "/tmp/x.json"],
                message: "invalid value for priors: 2 values given, expected one per class (3)"),
        BadCall(arguments: ["gaussian", "fit", "cifar10", "--data-dir", "/nonexistent", "--out", "/tmp/x.json"],
                message: "/nonexistent/cifar-10-batches-bin: CIFAR-10 not found"),
        BadCall(arguments: ["gaussian", "fit", fruit, "--label", "fruit", "--split", "test", "--out", "/tmp/x.json"],
                message: "invalid value for --split: only applies to the image datasets"),
        BadCall(arguments: ["gaussian", "predict", "/nonexistent/model.json", fruit], message: "/nonexistent/model.json: no such model file"),
        BadCall(arguments: ["gaussian", "score", fruit, fruit], message: "not a ConvKit Gaussian model"),
    ]

    @Test(arguments: badCalls)
    func badInputGivesOneErrorLine(call: BadCall) throws {
        let result = try CommandLineTests.run(call.arguments)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(call.message), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/x.json"))
    }
}
