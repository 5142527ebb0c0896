import Testing
@testable import ConvKitKernels

/// The Gaussian fit and scoring kernels against plain loops written here. Features are small
/// integers, so sums of them (counts, class sums, XᵀX) are exact in any order and compared bit for
/// bit; quantities with a non-integer mean or a division are compared within 1e-12 relative.
/// D = 11 crosses the 8-wide SIMD and panel paths with a tail of 3.
@Suite struct GaussianKernelTests {
    static let N = 70, D = 11, K = 3

    /// Row n, feature i: an integer in 0…9.
    static let integers: [Int] = (0..<(N * D)).map { ($0 * 7 + ($0 / D) * 3 + $0 % 5) % 10 }
    /// Class of row n; rows 60…69 hold classes 0 and 1 only.
    static let labels: [Int] = (0..<N).map { $0 < 60 ? $0 % K : $0 % 2 }
    static let chunks: [Range<Int>] = [0..<25, 25..<50, 50..<70]

    /// The same matrix in each stored type.
    static let storages: [FeatureValues] = [.bytes(integers.map { UInt8($0) }), .floats(integers.map { Float($0) }),
                                            .doubles(integers.map { Double($0) })]

    static func x(_ n: Int, _ i: Int) -> Double { Double(integers[n * D + i]) }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    /// Means by the textbook loop.
    static func naiveMeans() -> (counts: [Int], means: [Double]) {
        var counts = [Int](repeating: 0, count: K), sums = [Double](repeating: 0, count: K * D)
        for n in 0..<N {
            counts[labels[n]] += 1
            for i in 0..<D { sums[labels[n] * D + i] += x(n, i) }
        }
        return (counts, (0..<(K * D)).map { sums[$0] / Double(counts[$0 / D]) })
    }

    @Test(arguments: storages)
    func classMeansAndDiagonalScatterMatchLoops(values: FeatureValues) {
        let (counts, means) = gaussianClassMeans(values, labels: Self.labels, classCount: Self.K, featureCount: Self.D, chunks: Self.chunks)
        let expected = Self.naiveMeans()
        #expect(counts == expected.counts)
        #expect(counts == [25, 25, 20])  // rows 0…59 cycle 0, 1, 2 (20 each); rows 60…69 alternate 0, 1 (5 each)
        #expect(means == expected.means)  // integer sums are exact, then one division each
        let scatter = gaussianDiagonalScatter(values, labels: Self.labels, means: means, classCount: Self.K,
                                              featureCount: Self.D, chunks: Self.chunks)
        for k in 0..<Self.K {
            for i in 0..<Self.D {
                var s = 0.0
                for n in 0..<Self.N where Self.labels[n] == k { s += (Self.x(n, i) - means[k * Self.D + i]) * (Self.x(n, i) - means[k * Self.D + i]) }
                #expect(Self.close(scatter[k * Self.D + i], s), "class \(k) feature \(i)")
            }
        }
    }

    @Test func scattersAreTheSameForEveryStoredType() {
        let results = Self.storages.map { values -> [Double] in
            let (_, means) = gaussianClassMeans(values, labels: Self.labels, classCount: Self.K, featureCount: Self.D, chunks: Self.chunks)
            return gaussianDiagonalScatter(values, labels: Self.labels, means: means, classCount: Self.K, featureCount: Self.D, chunks: Self.chunks)
                + gaussianCentredScatterUpper(values, labels: Self.labels, means: means, featureCount: Self.D, blockRows: 32)
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }

    @Test func centredScatterMatchesLoops() {
        let (_, means) = Self.naiveMeans()
        let Dp = paddedOrder(Self.D)
        // blockRows 32: blocks of 32, 32 and 6 rows.
        let upper = gaussianCentredScatterUpper(Self.storages[2], labels: Self.labels, means: means, featureCount: Self.D, blockRows: 32)
        #expect(upper.count == Dp * Dp)
        for i in 0..<Self.D {
            for j in i..<Self.D {
                var s = 0.0
                for n in 0..<Self.N {
                    let m = Self.labels[n] * Self.D
                    s += (Self.x(n, i) - means[m + i]) * (Self.x(n, j) - means[m + j])
                }
                #expect(Self.close(upper[i * Dp + j], s), "[\(i)][\(j)]")
            }
        }
    }

    @Test func byteGramIsExact() {
        // 300 rows: one full block of 256 and one of 44. Bytes up to 255, so XᵀX entries reach 300·255².
        let rows = 300, D = 9, Dp = paddedOrder(D)
        let bytes = (0..<(rows * D)).map { (i: Int) -> UInt8 in UInt8((i * 37 + i / 7) % 256) }
        let gram = byteGramUpper(bytes, rowCount: rows, featureCount: D)
        for i in 0..<D {
            for j in i..<D {
                var s = 0
                for n in 0..<rows { s += Int(bytes[n * D + i]) * Int(bytes[n * D + j]) }
                #expect(gram[i * Dp + j] == Double(s), "[\(i)][\(j)]")
            }
        }
    }

    @Test(arguments: storages)
    func scoresAndDiagonalFormsMatchLoops(values: FeatureValues) {
        let K = Self.K, D = Self.D, N = Self.N
        let weights = (0..<(K * D)).map { Double($0 % 7) * 0.25 - 0.5 }
        let means = (0..<(K * D)).map { Double($0 % 5) + 0.5 }
        let precisions = (0..<(K * D)).map { 1 / (1 + Double($0 % 4)) }
        let biases = [-1.5, 0.25, 2.0]
        let linear = gaussianLinearScores(values, rowCount: N, featureCount: D, weights: weights, biases: biases, chunks: Self.chunks)
        let quadratic = gaussianQuadraticScores(values, rowCount: N, featureCount: D, means: means, precisions: precisions,
                                                biases: biases, chunks: Self.chunks)
        for n in 0..<N {
            for k in 0..<K {
                var dot = 0.0, squares = 0.0
                for i in 0..<D {
                    dot += Self.x(n, i) * weights[k * D + i]
                    let d = Self.x(n, i) - means[k * D + i]
                    squares += d * d * precisions[k * D + i]
                }
                #expect(Self.close(linear[n * K + k], biases[k] + dot), "linear \(n) \(k)")
                #expect(Self.close(quadratic[n * K + k], biases[k] - 0.5 * squares), "quadratic \(n) \(k)")
            }
        }
        for (labels, perClass) in [(nil, false), (Self.labels, false), (Self.labels, true)] as [([Int]?, Bool)] {
            let forms = gaussianDiagonalForms(values, rowCount: N, featureCount: D, means: means, precisions: precisions,
                                              labels: labels, perClassPrecisions: perClass, chunks: Self.chunks)
            for n in 0..<N {
                let k = labels?[n] ?? 0
                var s = 0.0
                for i in 0..<D {
                    let d = Self.x(n, i) - (labels == nil ? 0 : means[k * D + i])
                    s += d * d * precisions[(perClass ? k * D : 0) + i]
                }
                #expect(Self.close(forms[n], s), "row \(n), labels \(labels != nil), per-class \(perClass)")
            }
        }
    }

    /// A symmetric positive-definite matrix: 2 on the diagonal, 0.5 next to it, padded to `lda`.
    static func tridiagonal(_ n: Int) -> (matrix: [Double], lda: Int) {
        let lda = paddedOrder(n)
        var a = [Double](repeating: 0, count: lda * lda)
        for i in 0..<n {
            a[i * lda + i] = 2
            if i + 1 < n { a[i * lda + i + 1] = 0.5; a[(i + 1) * lda + i] = 0.5 }
        }
        return (a, lda)
    }

    @Test func choleskySolveInvertsTheMatrix() {
        let n = 11
        let (a, lda) = Self.tridiagonal(n)
        var u = a
        #expect(choleskyUpper(matrix: &u, n: n, lda: lda) == nil)
        // Two right-hand sides side by side in one array; solve the second one (offset n).
        let b = (0..<(2 * n)).map { Double($0 % 6) - 2 }
        var w = b
        solveCholesky(u, n: n, lda: lda, &w, offset: n)
        #expect(Array(w[0..<n]) == Array(b[0..<n]))  // untouched
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += a[i * lda + j] * w[n + j] }
            #expect(Self.close(s, b[n + i], 1e-12), "row \(i)")
        }
        var bad = a
        bad[3 * lda + 3] = -1
        #expect(choleskyUpper(matrix: &bad, n: n, lda: lda)?.row == 3)
    }

    @Test(arguments: storages)
    func fullFormsMatchForwardSubstitution(values: FeatureValues) {
        let n = Self.D
        var (u, lda) = Self.tridiagonal(n)
        #expect(choleskyUpper(matrix: &u, n: n, lda: lda) == nil)
        let solver = MahalanobisSolver(upper: u, n: n, lda: lda)
        let means = (0..<(Self.K * n)).map { Double($0 % 5) + 0.5 }
        for labels in [nil, Self.labels] as [[Int]?] {
            // 70 rows: blocks of 32, 32 and 6.
            let forms = gaussianFullForms(values, rowCount: Self.N, featureCount: n, means: means, labels: labels, solver: solver)
            for row in 0..<Self.N {
                var z = (0..<n).map { Self.x(row, $0) }
                if let labels { for i in 0..<n { z[i] = Self.x(row, i) - means[labels[row] * n + i] } }
                // Uᵀz' = z, then ‖z'‖².
                for j in 0..<n {
                    z[j] /= u[j * lda + j]
                    for i in (j + 1)..<n { z[i] -= z[j] * u[j * lda + i] }
                }
                let expected = z.reduce(0) { $0 + $1 * $1 }
                #expect(Self.close(forms[row], expected, 1e-11), "row \(row), labels \(labels != nil)")
            }
        }
    }
}
