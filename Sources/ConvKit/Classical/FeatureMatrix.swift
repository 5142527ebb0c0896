import ConvKitKernels

/// Feature rows for the classical models: `rowCount × featureCount` values, row-major (row n's
/// feature i is element `n·featureCount + i`). The values keep the type they came in
/// (pixel bytes stay `UInt8`, so CIFAR-10's 50,000 × 3,072 training set is 150 MB, not 1.2 GB
/// of Float64); the models convert one row (or one block of rows) at a time to Float64.
public struct FeatureMatrix: Sendable {
    /// The values, in their source type (the kernels' row-major ``FeatureValues``).
    let storage: FeatureValues
    /// Number of rows (examples).
    public let rowCount: Int
    /// Number of features per row (D).
    public let featureCount: Int

    /// Pixel bytes (0…255, used as they are, without normalisation). `values.count` must be a
    /// multiple of `featureCount`. The array is shared, not copied.
    public init(bytes values: [UInt8], featureCount: Int) throws {
        self.rowCount = try Self.rows(values.count, featureCount)
        self.featureCount = featureCount
        self.storage = .bytes(values)
    }

    /// Float32 features; every value must be finite.
    public init(floats values: [Float], featureCount: Int) throws {
        self.rowCount = try Self.rows(values.count, featureCount)
        self.featureCount = featureCount
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw Self.notFinite(bad, featureCount, Double(values[bad])) }
        self.storage = .floats(values)
    }

    /// Float64 features; every value must be finite.
    public init(doubles values: [Double], featureCount: Int) throws {
        self.rowCount = try Self.rows(values.count, featureCount)
        self.featureCount = featureCount
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw Self.notFinite(bad, featureCount, values[bad]) }
        self.storage = .doubles(values)
    }

    /// One array per row; all rows must have the same, non-zero length.
    public init(rows: [[Double]]) throws {
        guard let first = rows.first else {
            throw ConvKitError.invalidArgument(name: "feature rows", reason: "there are no rows")
        }
        if let bad = rows.firstIndex(where: { $0.count != first.count }) {
            throw ConvKitError.invalidArgument(name: "feature rows", reason: "row \(bad) has \(rows[bad].count) values, row 0 has \(first.count)")
        }
        try self.init(doubles: rows.flatMap { $0 }, featureCount: first.count)
    }

    /// Row `n` as Float64 values (for tests and small tables; the models read blocks directly).
    public func row(_ n: Int) -> [Double] {
        let range = n * featureCount ..< (n + 1) * featureCount
        switch storage {
        case let .bytes(v): return v[range].map(Double.init)
        case let .floats(v): return v[range].map(Double.init)
        case let .doubles(v): return Array(v[range])
        }
    }

    private static func rows(_ count: Int, _ featureCount: Int) throws -> Int {
        guard featureCount > 0 else {
            throw ConvKitError.invalidArgument(name: "feature count", reason: "\(featureCount) must be at least 1")
        }
        guard count % featureCount == 0 else {
            throw ConvKitError.invalidArgument(name: "feature values", reason: "\(count) values are not a whole number of rows of \(featureCount) features")
        }
        return count / featureCount
    }

    private static func notFinite(_ index: Int, _ featureCount: Int, _ value: Double) -> ConvKitError {
        .invalidArgument(name: "feature values", reason: "row \(index / featureCount), feature \(index % featureCount) is \(value); features must be finite")
    }
}

/// Runs a computation over a matrix's values in their stored type (the kernels it calls are
/// specialised for `UInt8`, `Float` and `Double` and read the values without copying them).
protocol FeatureMatrixVisitor {
    associatedtype Result
    func visit(_ values: FeatureValues) throws -> Result
}

extension FeatureMatrix {
    func accept<V: FeatureMatrixVisitor>(_ visitor: V) throws -> V.Result {
        try visitor.visit(storage)
    }
}
