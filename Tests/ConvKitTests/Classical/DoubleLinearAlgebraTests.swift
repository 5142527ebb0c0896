import Foundation
import Testing
@testable import ConvKit
import ConvKitKernels

/// The blocked Float64 kernels of the full-covariance model against plain loops. Orders of 150
/// cross the 64-row Cholesky blocks and are not multiples of the 8-wide panels.
@Suite struct DoubleLinearAlgebraTests {
    static func randomMatrix(rows: Int, columns: Int, seed: UInt64) -> [[Double]] {
        var random = RandomGenerator(seed: seed)
        return (0..<rows).map { _ in (0..<columns).map { _ in Double(random.nextNormal()) } }
    }

    /// A = BᵀB/m + I, symmetric positive definite.
    static func spd(_ n: Int, seed: UInt64) -> [[Double]] {
        let b = randomMatrix(rows: n + 5, columns: n, seed: seed)
        return (0..<n).map { i in (0..<n).map { j in (0..<(n + 5)).reduce(0) { $0 + b[$1][i] * b[$1][j] } / Double(n) + (i == j ? 1 : 0) } }
    }

    static func padded(_ a: [[Double]]) -> (values: [Double], ld: Int) {
        let n = a.count, ld = paddedOrder(n)
        var values = [Double](repeating: 0, count: ld * ld)
        for i in 0..<n { for j in 0..<n { values[i * ld + j] = a[i][j] } }
        return (values, ld)
    }

    @Test func symmetricRankUpdateMatchesLoops() {
        let rows = 37, n = 21, ld = paddedOrder(n), panelCount = ld / panelWidth
        let a = Self.randomMatrix(rows: rows, columns: n, seed: 1)
        var panels = [Double](repeating: 0, count: rows * ld)
        for p in 0..<panelCount {
            for d in 0..<rows { for l in 0..<panelWidth where p * panelWidth + l < n { panels[(p * rows + d) * panelWidth + l] = a[d][p * panelWidth + l] } }
        }
        var c = [Double](repeating: 1, count: ld * ld)
        c.withUnsafeMutableBufferPointer { c in
            panels.withUnsafeBufferPointer { symmetricRankUpdate(c.baseAddress!, ldc: ld, panels: $0.baseAddress!, panelCount: panelCount, depth: rows, sign: -2) }
        }
        for i in 0..<n {
            for j in i..<n {
                let expected = 1 - 2 * (0..<rows).reduce(0) { $0 + a[$1][i] * a[$1][j] }
                #expect(close(c[i * ld + j], expected, 1e-13), "[\(i)][\(j)]")
            }
        }
    }

    @Test func byteRankUpdateIsExact() {
        // 256 rows of 255s: every sum is 256·255² = 16,646,400, the largest a Float32 block must hold exactly;
        // then random bytes, compared with integer sums.
        let n = 13, ld = paddedOrder(n), panelCount = ld / panelWidth, rows = exactByteBlockRows
        var random = RandomGenerator(seed: 2)
        for fill in [{ UInt8(255) }, { UInt8(random.nextInt(below: 256)) }] {
            let a = (0..<rows).map { _ in (0..<n).map { _ in fill() } }
            var panels = [Float](repeating: 0, count: rows * ld)
            for p in 0..<panelCount {
                for d in 0..<rows { for l in 0..<panelWidth where p * panelWidth + l < n { panels[(p * rows + d) * panelWidth + l] = Float(a[d][p * panelWidth + l]) } }
            }
            var c = [Double](repeating: 0.5, count: ld * ld)
            c.withUnsafeMutableBufferPointer { c in
                panels.withUnsafeBufferPointer { symmetricRankUpdateOfBytes(c.baseAddress!, ldc: ld, panels: $0.baseAddress!, panelCount: panelCount, depth: rows) }
            }
            for i in 0..<n {
                for j in i..<n {
                    let exact = (0..<rows).reduce(0) { $0 + Int(a[$1][i]) * Int(a[$1][j]) }
                    #expect(c[i * ld + j] == 0.5 + Double(exact), "[\(i)][\(j)]")
                }
            }
        }
    }

    @Test(arguments: [1, 7, 64, 150])
    func choleskyReconstructsTheMatrix(n: Int) {
        let a = Self.spd(n, seed: UInt64(n))
        var (u, ld) = Self.padded(a)
        let failure = u.withUnsafeMutableBufferPointer { choleskyUpper($0.baseAddress!, n: n, lda: ld) }
        #expect(failure == nil)
        var worst = 0.0
        for i in 0..<n {
            #expect(u[i * ld + i] > 0)
            for j in i..<n {
                let uTu = (0...i).reduce(0) { $0 + u[$1 * ld + i] * u[$1 * ld + j] }
                worst = max(worst, abs(uTu - a[i][j]))
            }
        }
        #expect(worst < 1e-12)
    }

    @Test func choleskyReportsTheFailingPivot() {
        // Rows 0 and 1 equal: U_00 = 2, U_01 = 4/2 = 2, and the second pivot is 4 − 2² = 0.
        var (u, ld) = Self.padded([[4, 4, 1], [4, 4, 1], [1, 1, 3]])
        let failure = u.withUnsafeMutableBufferPointer { choleskyUpper($0.baseAddress!, n: 3, lda: ld) }
        #expect(failure?.row == 1)
    }

    @Test func triangularSolvesAndMahalanobisNorms() {
        let n = 150, rows = 45   // 45 rows: one full block of 32 and a partial one
        let a = Self.spd(n, seed: 4)
        var (u, ld) = Self.padded(a)
        _ = u.withUnsafeMutableBufferPointer { choleskyUpper($0.baseAddress!, n: n, lda: ld) }
        let x = Self.randomMatrix(rows: rows, columns: n, seed: 5)
        // Reference: z = U⁻ᵀx by forward substitution with U's columns, ‖z‖².
        func reference(_ x: [Double]) -> Double {
            var z = [Double](repeating: 0, count: n)
            for j in 0..<n { z[j] = (x[j] - (0..<j).reduce(0) { $0 + u[$1 * ld + j] * z[$1] }) / u[j * ld + j] }
            return z.reduce(0) { $0 + $1 * $1 }
        }
        // Solve U w = Uᵀ⁻¹ x twice: Σ w = x.
        var w = x[0]
        u.withUnsafeBufferPointer { u in
            w.withUnsafeMutableBufferPointer { w in
                solveUpperTransposed(u.baseAddress!, n: n, lda: ld, w.baseAddress!)
                solveUpper(u.baseAddress!, n: n, lda: ld, w.baseAddress!)
            }
        }
        let sigmaW = (0..<n).map { i in (0..<n).reduce(0) { $0 + a[i][$1] * w[$1] } }
        #expect(close(sigmaW, x[0], 1e-11))

        let solver = MahalanobisSolver(upper: u, n: n, lda: ld)
        var norms = [Double](repeating: 0, count: rows)
        for first in stride(from: 0, to: rows, by: MahalanobisSolver.blockRows) {
            let count = min(MahalanobisSolver.blockRows, rows - first)
            var block = [Double](repeating: 0, count: MahalanobisSolver.blockRows * ld)
            var packed = [Double](repeating: 0, count: MahalanobisSolver.blockRows * 64)
            for r in 0..<count { for j in 0..<n { block[r * ld + j] = x[first + r][j] } }
            block.withUnsafeMutableBufferPointer { block in
                packed.withUnsafeMutableBufferPointer { packed in
                    norms.withUnsafeMutableBufferPointer { norms in
                        solver.squaredNorms(block.baseAddress!, rows: count, packed: packed.baseAddress!, into: norms.baseAddress! + first)
                    }
                }
            }
        }
        for r in 0..<rows { #expect(close(norms[r], reference(x[r]), 1e-11), "row \(r)") }
    }

    @Test func rowChunksDependOnlyOnTheCount() {
        #expect(rowChunks(count: 0).isEmpty)
        #expect(rowChunks(count: 10) == [0..<10])
        let chunks = rowChunks(count: 50_000)
        #expect(chunks.count == 32 && chunks.first == 0..<1563 && chunks.last?.upperBound == 50_000)
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }
}
