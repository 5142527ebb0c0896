import Foundation
import Testing
@testable import ConvKit

/// Seeded mutation testing of the CSV table reader and the Gaussian model JSON reader: 10,000
/// corrupted inputs each, every one read or rejected with a one-line ConvKitError, never a trap.
@Suite struct ClassicalReaderMutationTests {
    static let iterations = 10_000

    static let csvPhrases = ["is not a finite number", "missing value", "missing label", "fields, but the header has", "has no column",
                             "the header names this column twice", "no feature columns", "no data rows", "the CSV header is empty",
                             "cannot read the CSV", "not UTF-8 text", "missing feature column"]

    /// Small tables (quoted fields, CRLF lines, a BOM) with separators, quotes, line breaks,
    /// non-numbers and invalid UTF-8 spliced in; read with and without a label column.
    @Test func mutatedCSVTablesReadOrThrowConvKitError() throws {
        let bases = [
            "length,width,weight,fruit\n1.961,2.799,-0.769,banana\n1.755,5.941,0.384,cherry\n1.328,5.83,-2.986,apple\n",
            "\u{FEFF}\"a\",\"b, c\",label\r\n1,\"2\",\"x\"\r\n\r\n-3.5e2, 4 ,\"y\nz\"\r\n",
            "x,y,label\n1,2,a\n3,4,b\n5,6,a\n",
        ].map { Array($0.utf8) }
        var mutator = Mutator(seed: 0xC5F, tokens: [",", "\"", "\n", "\r\n", "\r", ",,", " ", "nan", "inf", "-", "1e400", "0x1p3",
                                                    "label", "fruit", "\u{FEFF}", "\u{7F}", "\"\"", "é"])
        var random = RandomGenerator(seed: 0xC60)
        let outcome = runMutations(iterations: Self.iterations, bases: bases, mutator: &mutator, phrases: Self.csvPhrases,
                                   mutate: { bytes, mutator in
                                       mutator.mutate(&bytes)
                                       if random.nextInt(below: 20) == 0 { bytes.insert(0xFF, at: random.nextInt(below: bytes.count + 1)) }
                                   }) { bytes in
            let label: String? = bytes.count % 5 == 0 ? nil : (bytes.first == UInt8(ascii: "l") ? "fruit" : "label")
            let table = try FeatureTable(data: Data(bytes), file: "mutant.csv", labelColumn: label)
            #expect(table.features.rowCount == table.lines.count)
            #expect((0..<table.features.rowCount).allSatisfy { table.features.row($0).allSatisfy(\.isFinite) })
        }
        expectCoverage(outcome, iterations: Self.iterations,
                       required: Self.csvPhrases.filter { !["cannot read the CSV", "missing feature column", "the CSV header is empty"].contains($0) })
    }

    static let modelPhrases = ["not a ConvKit Gaussian model", "is not supported", "unknown mode", "expected a number", "expected a string",
                               "variances must be positive", "the priors sum to", "has 1 values, expected", "needs \"variances\"",
                               "needs \"covariance\"", "missing key", "class_counts must", "not positive definite", "values, expected",
                               "not valid JSON", "classes", "feature", "prior", "expected", "mean", "variance", "covariance"]

    /// Model files of all three modes with JSON syntax, edge numbers, nulls, nesting and mode
    /// names spliced in.
    @Test func mutatedGaussianModelsLoadOrThrowConvKitError() throws {
        let rows: [[Double]] = [[0, 1, 2], [2, 3, 1], [4, 1, 0], [1, 0, 3], [3, 3, 3], [0, 2, 1]]
        let matrix = try FeatureMatrix(rows: rows)
        var bases: [[UInt8]] = []
        for mode in GaussianClassifier.VarianceMode.allCases {
            let model = try GaussianClassifier.fit(matrix, labels: [0, 0, 1, 1, 0, 1], classes: ["a", "b"], featureNames: ["x", "y", "z"], mode: mode)
            bases.append(Array(GaussianModelFile(classifier: model, labelColumn: "l", classCounts: [3, 3]).json().serialized(pretty: false).utf8))
        }
        var mutator = Mutator(seed: 0x6A55, tokens: ["[", "]", "{", "}", ",", ":", "\"", "null", "true", "[]", "{}", "-1", "0", "1e400",
                                                     "\"shared\"", "\"per-class\"", "\"full-shared\"", "\"variances\"", "\"covariance\"",
                                                     "\"priors\"", "\"means\"", "[[1, 0], [0, 1]]", "[0.5, 0.5]", "\"version\": 2"])
        let outcome = runMutations(iterations: Self.iterations, bases: bases, mutator: &mutator, phrases: Self.modelPhrases) { bytes in
            let file = try GaussianModelFile(decoding: Data(bytes), file: "mutant.json")
            #expect(file.classifier.priors.count == file.classifier.classCount)
        }
        expectCoverage(outcome, iterations: Self.iterations,
                       required: ["not a ConvKit Gaussian model", "unknown mode", "expected a number", "variances must be positive",
                                  "the priors sum to", "missing key", "not valid JSON", "needs \"variances\"", "is not supported"])
    }
}
