import Foundation
import Testing
@testable import ConvKit

/// CSV feature tables: parsing, class order, and errors that name file, line and column.
@Suite struct FeatureTableTests {
    @Test func readsFeaturesAndLabels() throws {
        let table = try FeatureTable.read(csv: Repository.fixture("gaussian/fruit.csv"), labelColumn: "fruit")
        #expect(table.featureNames == ["length", "width", "weight"])
        #expect(table.features.rowCount == 60 && table.features.featureCount == 3)
        // First data line: 1.961,2.799,-0.769,banana
        #expect(table.features.row(0) == [1.961, 2.799, -0.769])
        #expect(table.labels?.first == "banana")
        #expect(table.lines.first == 2 && table.lines.last == 61)
        #expect(FeatureTable.classOrder(table.labels ?? []) == ["apple", "banana", "cherry"])
    }

    @Test func selectsAndReordersFeatureColumns() throws {
        let table = try FeatureTable(parsing: "a,b,label,c\n1,2,x,3\n4,5,y,6\n", file: "t.csv", labelColumn: nil, featureColumns: ["c", "a"])
        #expect(table.featureNames == ["c", "a"])
        #expect(table.features.row(1) == [6, 4])
        #expect(table.labels == nil)
    }

    @Test func classOrderIsNumericForIntegerLabels() {
        #expect(FeatureTable.classOrder(["10", "2", "-1", "2", "02"]) == ["-1", "02", "2", "10"])
        #expect(FeatureTable.classOrder(["b", "10", "a", "B"]) == ["10", "B", "a", "b"])
    }

    @Test func lineNumbersCountQuotedLineBreaksAndBlankLines() throws {
        // Line 1 header; line 2 a record whose quoted label spans lines 2–3; line 4 blank; line 5 bad.
        let text = "x,y,label\n1,2,\"two\nlines\"\n\n3,oops,z\n"
        let error = expectConvKitError { _ = try FeatureTable(parsing: text, file: "q.csv", labelColumn: "label") }
        #expect(error == .dataError(file: "q.csv", line: 5, column: "y", reason: "'oops' is not a finite number"))
    }

    struct BadTable: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        var label: String? = "label"
        let message: String
        var testDescription: String { name }
    }

    static let badTables: [BadTable] = [
        BadTable(name: "non-numeric", text: "x,label\n1,a\nabc,b\n", message: "t.csv:3: column 'x': 'abc' is not a finite number"),
        BadTable(name: "missing value", text: "x,y,label\n1,2,a\n3,,b\n", message: "t.csv:3: column 'y': missing value"),
        BadTable(name: "nan", text: "x,label\nnan,a\n", message: "t.csv:2: column 'x': 'nan' is not a finite number"),
        BadTable(name: "infinity", text: "x,label\n1e999,a\n", message: "t.csv:2: column 'x': '1e999' is not a finite number"),
        BadTable(name: "short row", text: "x,y,label\n1,2,a\n3,b\n", message: "t.csv:3: 2 fields, but the header has 3 columns"),
        BadTable(name: "missing label", text: "x,label\n1,\n", message: "t.csv:2: column 'label': missing label"),
        BadTable(name: "unknown label column", text: "x,y,class\n1,2,a\n", message: "invalid value for --label: t.csv has no column 'label' (columns: 'x', 'y', 'class')"),
        BadTable(name: "only a label column", text: "label\na\n", message: "t.csv: there are no feature columns"),
        BadTable(name: "no data rows", text: "x,label\n", message: "t.csv: the CSV file has a header but no data rows"),
        BadTable(name: "duplicate column", text: "x,x,label\n1,2,a\n", message: "t.csv:1: column 'x': the header names this column twice"),
    ]

    @Test(arguments: badTables)
    func badTablesFailWithPosition(bad: BadTable) {
        let error = expectConvKitError { _ = try FeatureTable(parsing: bad.text, file: "t.csv", labelColumn: bad.label) }
        #expect(error?.description == bad.message || error?.description.hasPrefix(bad.message) == true, "\(String(describing: error))")
    }

    @Test func fixtureFilesFailWithLineAndColumn() {
        let nonNumeric = expectConvKitError { _ = try FeatureTable.read(csv: Repository.fixture("gaussian/non-numeric.csv"), labelColumn: "fruit") }
        #expect(nonNumeric?.description.hasSuffix("non-numeric.csv:4: column 'width': 'seven' is not a finite number") == true)
        // Line 3 is blank (skipped); line 4 has an empty weight.
        let missing = expectConvKitError { _ = try FeatureTable.read(csv: Repository.fixture("gaussian/missing-value.csv"), labelColumn: "fruit") }
        #expect(missing?.description.hasSuffix("missing-value.csv:4: column 'weight': missing value") == true)
        let absent = expectConvKitError { _ = try FeatureTable.read(csv: "/nonexistent/x.csv", labelColumn: "fruit") }
        #expect(absent == .fileError(file: "/nonexistent/x.csv", reason: "no such CSV file"))
    }

    @Test func unknownLabelOfAModelNamesTheLine() throws {
        let table = try FeatureTable(parsing: "x,label\n1,a\n2,zebra\n", file: "t.csv", labelColumn: "label")
        let error = expectConvKitError { _ = try table.labelIndices(classes: ["a", "b"]) }
        #expect(error?.description == "t.csv:3: column 'label': label 'zebra' is not one of the model's classes (a, b)")
    }
}
