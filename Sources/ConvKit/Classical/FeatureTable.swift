import CSV
import Foundation

/// A CSV table of numeric features with an optional column of class labels, read with the
/// CSV.swift package (RFC 4180 quoting; UTF-8 text, an optional byte-order mark; fields trimmed of
/// surrounding spaces). The first line is the header of column names. Blank lines are skipped.
/// Every feature cell must be a finite decimal number; a missing or non-numeric cell is an error
/// naming the file, the line (1-based, the header is line 1) and the column.
public struct FeatureTable: Sendable {
    /// The path (or name) the table was read from, for messages.
    public let file: String
    /// The feature columns, in the order of ``features``' columns.
    public let featureNames: [String]
    /// The feature values, one row per data line, Float64.
    public let features: FeatureMatrix
    /// The label column's name, when one was read.
    public let labelColumn: String?
    /// The label of every row as written in the file, when a label column was read.
    public let labels: [String]?
    /// The 1-based line on which each row starts.
    public let lines: [Int]

    /// Reads `path`. `labelColumn` (nil: no labels) must be a column of the header. The features are
    /// `featureColumns` in that order (other columns are ignored), or, when nil, every column except
    /// the label column in file order.
    public static func read(csv path: String, labelColumn: String?, featureColumns: [String]? = nil) throws -> FeatureTable {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else {
            throw ConvKitError.fileError(file: path, reason: "no such CSV file")
        }
        return try FeatureTable(data: data, file: path, labelColumn: labelColumn, featureColumns: featureColumns)
    }

    /// Parses the bytes of a CSV file (UTF-8, an optional byte-order mark) as if read from `file`
    /// (see ``read(csv:labelColumn:featureColumns:)``).
    public init(data: Data, file: String, labelColumn: String?, featureColumns: [String]? = nil) throws {
        guard var text = String(data: data, encoding: .utf8) else {
            throw ConvKitError.fileError(file: file, reason: "the CSV file is not UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        try self.init(parsing: text, file: file, labelColumn: labelColumn, featureColumns: featureColumns)
    }

    /// Parses CSV `text` as if it were the file `file` (see ``read(csv:labelColumn:featureColumns:)``).
    public init(parsing text: String, file: String, labelColumn: String?, featureColumns: [String]? = nil) throws {
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw ConvKitError.fileError(file: file, reason: "cannot read the CSV header (is the text empty?)")
        }
        self = try Self.read(reader, file: file, labelColumn: labelColumn, featureColumns: featureColumns)
    }

    private init(file: String, featureNames: [String], features: FeatureMatrix, labelColumn: String?, labels: [String]?, lines: [Int]) {
        self.file = file
        self.featureNames = featureNames
        self.features = features
        self.labelColumn = labelColumn
        self.labels = labels
        self.lines = lines
    }

    private static func read(_ reader: CSVReader, file: String, labelColumn: String?, featureColumns: [String]?) throws -> FeatureTable {
        let header = reader.headerRow ?? []
        guard !header.isEmpty, header != [""] else { throw ConvKitError.fileError(file: file, reason: "the CSV header is empty") }
        var seen = Set<String>()
        if let dup = header.first(where: { !seen.insert($0).inserted }) {
            throw ConvKitError.dataError(file: file, line: 1, column: dup, reason: "the header names this column twice")
        }
        let columnList = header.map { "'\($0)'" }.joined(separator: ", ")
        var labelIndex: Int?
        if let labelColumn {
            guard let index = header.firstIndex(of: labelColumn) else {
                throw ConvKitError.invalidArgument(name: "--label", reason: "\(file) has no column '\(labelColumn)' (columns: \(columnList))")
            }
            labelIndex = index
        }
        let featureNames = featureColumns ?? header.enumerated().filter { $0.offset != labelIndex }.map(\.element)
        guard !featureNames.isEmpty else {
            throw ConvKitError.fileError(file: file, reason: "there are no feature columns besides the label column '\(labelColumn ?? "")'")
        }
        let featureIndices = try featureNames.map { name in
            guard let index = header.firstIndex(of: name) else {
                throw ConvKitError.fileError(file: file, reason: "missing feature column '\(name)' (columns: \(columnList))")
            }
            return index
        }
        var values: [Double] = []
        var labels: [String] = []
        var lines: [Int] = []
        var line = 1 + extraLines(header)
        while let fields = reader.next() {
            line += 1
            let start = line
            line += extraLines(fields)
            if fields == [""] { continue }
            guard fields.count == header.count else {
                throw ConvKitError.dataError(file: file, line: start, column: "", reason: "\(fields.count) fields, but the header has \(header.count) columns")
            }
            for (name, index) in zip(featureNames, featureIndices) {
                let text = fields[index]
                guard !text.isEmpty else { throw ConvKitError.dataError(file: file, line: start, column: name, reason: "missing value") }
                guard let value = Double(text), value.isFinite else {
                    throw ConvKitError.dataError(file: file, line: start, column: name, reason: "'\(text)' is not a finite number")
                }
                values.append(value)
            }
            if let labelIndex {
                let label = fields[labelIndex]
                guard !label.isEmpty else { throw ConvKitError.dataError(file: file, line: start, column: header[labelIndex], reason: "missing label") }
                labels.append(label)
            }
            lines.append(start)
        }
        if let error = reader.error { throw ConvKitError.fileError(file: file, reason: "cannot read the CSV text: \(error)") }
        guard !lines.isEmpty else { throw ConvKitError.fileError(file: file, reason: "the CSV file has a header but no data rows") }
        return FeatureTable(file: file, featureNames: featureNames, features: try FeatureMatrix(doubles: values, featureCount: featureNames.count),
                            labelColumn: labelColumn, labels: labelIndex == nil ? nil : labels, lines: lines)
    }

    /// Line breaks inside quoted fields (CR LF, CR or LF each count once): the lines a record spans
    /// beyond its first.
    private static func extraLines(_ fields: [String]) -> Int {
        var count = 0
        for field in fields {
            var previousCR = false
            for scalar in field.unicodeScalars {
                if scalar == "\n" { if !previousCR { count += 1 } } else if scalar == "\r" { count += 1 }
                previousCR = scalar == "\r"
            }
        }
        return count
    }

    /// The distinct labels in a stable order: numeric order when every label is an integer
    /// (`2` before `10`), otherwise lexicographic order of the strings (Unicode code points).
    public static func classOrder(_ labels: [String]) -> [String] {
        let distinct = Array(Set(labels))
        func lexicographic(_ a: String, _ b: String) -> Bool { a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) }
        guard distinct.allSatisfy({ Int($0) != nil }) else { return distinct.sorted(by: lexicographic) }
        return distinct.sorted { a, b in
            let x = Int(a) ?? 0, y = Int(b) ?? 0
            return x != y ? x < y : lexicographic(a, b)
        }
    }

    /// Each row's label as an index into `classes`; a label not in `classes` is an error naming
    /// its line. Throws if the table has no label column.
    public func labelIndices(classes: [String]) throws -> [Int] {
        guard let labels, let labelColumn else {
            throw ConvKitError.invalidArgument(name: "--label", reason: "no label column was read from \(file)")
        }
        var index: [String: Int] = [:]
        for (k, name) in classes.enumerated() { index[name] = k }
        return try labels.enumerated().map { n, label in
            guard let k = index[label] else {
                throw ConvKitError.dataError(file: file, line: lines[n], column: labelColumn,
                                             reason: "label '\(label)' is not one of the model's classes (\(GaussianClassifier.preview(classes)))")
            }
            return k
        }
    }
}
