import Foundation
import Testing
@testable import ConvKit

/// A seeded random labelled table: `perClass[k]` rows of class k, D features with class-dependent
/// offsets and scales (so that means and variances differ between classes and features).
struct RandomTable {
    var rows: [[Double]]
    var labels: [Int]
    var classes: [String]

    init(perClass: [Int], features: Int, seed: UInt64) {
        var random = RandomGenerator(seed: seed)
        var rows: [[Double]] = []
        var labels: [Int] = []
        for (k, count) in perClass.enumerated() {
            for _ in 0..<count {
                rows.append((0..<features).map { i in
                    100 + Double(k * 3 + i) + Double(1 + (i + k) % 3) * Double(random.nextNormal())
                })
                labels.append(k)
            }
        }
        // Interleave the classes deterministically, so that chunks of rows mix them.
        let order = random.permutation(rows.count)
        self.rows = order.map { rows[$0] }
        self.labels = order.map { labels[$0] }
        self.classes = perClass.indices.map { "c\($0)" }
    }

    var matrix: FeatureMatrix { get throws { try FeatureMatrix(rows: rows) } }
}

/// Maximum-likelihood estimates by the textbook formulas with plain loops, the independent twin
/// of GaussianFitter's streaming merge.
struct BruteForceEstimates {
    var priors: [Double]
    var means: [[Double]]
    /// Var(x_i) over all rows, (1/N) Σ_n (x_ni − x̄_i)².
    var totalVariances: [Double]
    /// (1/N) Σ_n (x_ni − μ_{y_n,i})².
    var sharedVariances: [Double]
    /// (1/N_k) Σ_{n: y_n = k} (x_ni − μ_ki)².
    var perClassVariances: [[Double]]
    /// (1/N) Σ_n (x_n − μ_{y_n})(x_n − μ_{y_n})ᵀ.
    var covariance: [[Double]]

    init(_ table: RandomTable) {
        let N = table.rows.count, D = table.rows[0].count, K = table.classes.count
        var counts = [Double](repeating: 0, count: K)
        for k in table.labels { counts[k] += 1 }
        priors = counts.map { $0 / Double(N) }
        let means = (0..<K).map { k in
            (0..<D).map { i in
                var s = 0.0
                for n in 0..<N where table.labels[n] == k { s += table.rows[n][i] }
                return s / counts[k]
            }
        }
        self.means = means
        totalVariances = (0..<D).map { i in
            let mean = table.rows.map { $0[i] }.reduce(0, +) / Double(N)
            return table.rows.map { ($0[i] - mean) * ($0[i] - mean) }.reduce(0, +) / Double(N)
        }
        var shared = [Double](repeating: 0, count: D)
        var perClass = [[Double]](repeating: [Double](repeating: 0, count: D), count: K)
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: D), count: D)
        for n in 0..<N {
            let k = table.labels[n]
            let d = (0..<D).map { table.rows[n][$0] - means[k][$0] }
            for i in 0..<D {
                shared[i] += d[i] * d[i] / Double(N)
                perClass[k][i] += d[i] * d[i] / counts[k]
                for j in 0..<D { covariance[i][j] += d[i] * d[j] / Double(N) }
            }
        }
        sharedVariances = shared
        perClassVariances = perClass
        self.covariance = covariance
    }
}

/// |a − b| ≤ tolerance · max(1, |a|, |b|).
func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}

func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, tolerance) }
}

func close(_ a: [[Double]], _ b: [[Double]], _ tolerance: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, tolerance) }
}
