import Foundation
import Testing
@testable import ConvKit

/// The `convkit summary … --format json` output of a model, parsed back, so golden tests check
/// the numbers exactly as users (and scripts) see them.
func summaryJSON(_ model: String, input: String? = nil) throws -> [String: Any] {
    let text = try SummaryReport.make(model: model, input: input, format: .json)
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
}

/// The layer rows of a JSON summary, by name.
func rowsByName(_ json: [String: Any]) throws -> [String: [String: Any]] {
    let layers = try #require(json["layers"] as? [[String: Any]])
    var rows: [String: [String: Any]] = [:]
    for layer in layers { rows[try #require(layer["name"] as? String)] = layer }
    return rows
}

/// Repository paths, for reading `examples/` and fixtures in place.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static func fixture(_ relative: String) -> String { path("Tests/ConvKitTests/Fixtures/" + relative) }
}

/// Runs `body` and returns the ConvKitError it throws (failing the test if it throws none).
func expectConvKitError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ConvKitError? {
    do {
        try body()
        Issue.record("expected a ConvKitError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as ConvKitError {
        return error
    } catch {
        Issue.record("expected a ConvKitError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
