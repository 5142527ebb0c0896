import Foundation
import Testing
@testable import ConvKit

/// The convolution written as a matrix y = A·x, against ConvKit's convolution, its backward pass
/// and the rotated-kernel full convolution.
@Suite struct ConvolutionMatrixTests {
    /// The classic example: two channels of length 4 (input 2×1×4), M = 2 filters of 2×1×3, stride 1.
    /// H' = 1, W' = 4 − 3 + 1 = 2, so A is (2·1·2) × (2·1·4) = 4×8; y[0,0,0] reads x[c,0,0…2] of both channels
    /// with w[0,c,0,0…2]; x[c,0,3] is not under the kernel → 0. 2·2·1·3 = 12 distinct weights.
    @Test func symbolicClassicExample() throws {
        let matrix = try ConvolutionMatrix(try ConvolutionGeometry(input: [2, 1, 4], filters: 2, kernel: Size2(1, 3)))
        #expect(matrix.rows == 4 && matrix.columns == 8)
        let row0 = (0..<8).map { matrix.weightIndex(row: 0, column: $0).map(matrix.weightName) ?? "0" }
        #expect(row0.joined(separator: " ") == "w[0,0,0,0] w[0,0,0,1] w[0,0,0,2] 0 w[0,1,0,0] w[0,1,0,1] w[0,1,0,2] 0")
        // y[0,0,1] slides one column: 0 w[0,0,0,0] w[0,0,0,1] w[0,0,0,2] | 0 w[0,1,0,0] …
        let row1 = (0..<8).map { matrix.weightIndex(row: 1, column: $0).map(matrix.weightName) ?? "0" }
        #expect(row1.joined(separator: " ") == "0 w[0,0,0,0] w[0,0,0,1] w[0,0,0,2] 0 w[0,1,0,0] w[0,1,0,1] w[0,1,0,2]")
        #expect(matrix.rowLabels == ["y[0,0,0]", "y[0,0,1]", "y[1,0,0]", "y[1,0,1]"])
        #expect(matrix.columnLabels.first == "x[0,0,0]" && matrix.columnLabels.last == "x[1,0,3]")
        #expect(matrix.distinctWeights == 12)
        // 4 rows × 2 channels × 3 taps = 24 connections.
        #expect(matrix.connections == 24)
    }

    /// The 5×5 example with kernel [[1, −1], [1, −1]] (valid cross-correlation):
    /// y[i,j] = x[i,j] − x[i,j+1] + x[i+1,j] − x[i+1,j+1] = s_j − s_{j+1} with s_j = x[i,j] + x[i+1,j].
    /// rows 0,1: s = 0,3,3,3,0 → −3, 0, 0, 3
    /// rows 1,2: s = 0,6,5,6,0 → −6, 1, −1, 6
    /// rows 2,3: s = 0,6,4,6,0 → −6, 2, −2, 6
    /// rows 3,4: s = 0,3,2,3,0 → −3, 1, −1, 3
    /// Maximum 6 at (1,3) and (2,3), minimum −6 at (1,0) and (2,0).
    @Test func edgeDetectorByHand() throws {
        let result = try ConvolutionMatrixReport.compute(.init(
            input: "1,5,5", filters: 1, kernel: "2,2",
            x: "0,0,0,0,0; 0,3,3,3,0; 0,3,2,3,0; 0,3,2,3,0; 0,0,0,0,0", w: "1,−1; 1,−1"))
        let y = result.checks.output
        #expect(y == [-3, 0, 0, 3, -6, 1, -1, 6, -6, 2, -2, 6, -3, 1, -1, 3])
        #expect(result.matrix.geometry.output == [1, 4, 4])
        #expect(y.max() == 6 && y.min() == -6)
        let positions = { (v: Double) in y.indices.filter { y[$0] == v }.map { ($0 / 4, $0 % 4) } }
        #expect(positions(6).elementsEqual([(1, 3), (2, 3)], by: ==))
        #expect(positions(-6).elementsEqual([(1, 0), (2, 0)], by: ==))
        #expect(result.checks.forwardMaxAbsError == 0)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let input: String, filters: Int, kernel: String, stride: String, padding: String, dilation: String
        var testDescription: String { "\(input) M=\(filters) k=\(kernel) s=\(stride) p=\(padding) d=\(dilation)" }
    }

    static let cases: [Case] = [
        Case(input: "2,1,4", filters: 2, kernel: "1,3", stride: "1", padding: "0", dilation: "1"),
        Case(input: "3,7,6", filters: 2, kernel: "3", stride: "2", padding: "1", dilation: "1"),
        Case(input: "2,8,8", filters: 3, kernel: "3", stride: "2", padding: "0", dilation: "1"),
        Case(input: "1,6,7", filters: 2, kernel: "2,3", stride: "1,2", padding: "1,0", dilation: "1"),
        Case(input: "2,9,9", filters: 2, kernel: "3", stride: "2", padding: "1", dilation: "2"),
        Case(input: "2,5,5", filters: 1, kernel: "3", stride: "3", padding: "2", dilation: "1"),
        Case(input: "1,4,4", filters: 2, kernel: "1", stride: "1", padding: "3", dilation: "1"),
    ]

    /// The three checks on seeded random values: A·x = conv(x), Aᵀ·g = conv backward, and Aᵀ·g =
    /// full convolution with rotated kernels, within 1e-5 (float32 against Double).
    @Test(arguments: cases)
    func threeChecksAgree(c: Case) throws {
        for seed: UInt64 in [1, 2] {
            let result = try ConvolutionMatrixReport.compute(.init(input: c.input, filters: c.filters, kernel: c.kernel, stride: c.stride,
                                                                   padding: c.padding, dilation: c.dilation, seed: seed))
            let checks = result.checks
            #expect(checks.forwardMaxAbsError <= 1e-5)
            #expect(checks.transposeBackwardMaxAbsError <= 1e-5)
            #expect(checks.rotatedKernelMaxAbsError <= 1e-5)
            // The values are not trivially zero.
            #expect((checks.inputGradient.map(abs).max() ?? 0) > 0.1)
        }
    }

    /// The rotated-kernel check can fail: with kernels that are *not* rotated (rotating them twice
    /// gives back w), the full convolution no longer equals Aᵀ·g.
    @Test func unrotatedKernelsFailTheCheck() throws {
        let result = try ConvolutionMatrixReport.compute(.init(input: "2,6,6", filters: 2, kernel: "3", stride: "2", padding: "1", seed: 5))
        let g = result.matrix.geometry
        var rotated = result.weights
        let (kh, kw) = (g.kernel.height, g.kernel.width)
        for m in 0..<g.filters { for c in 0..<g.channels { for a in 0..<kh { for b in 0..<kw {
            rotated[((m * g.channels + c) * kh + a) * kw + b] = result.weights[((m * g.channels + c) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)]
        } } } }
        let wrong = ConvolutionChecks.fullConvolutionWithRotatedKernels(result.outputGradient, weights: rotated, geometry: g)
        #expect(ExplainArguments.maxAbsDifference(wrong, result.checks.inputGradient) > 0.1)
    }

    /// Both --w layouts give the same weights: filters separated by `||`, or M·C blocks in (m, c) order.
    @Test func weightLayouts() throws {
        let nested = try ValueGrid.weights("1,2;3,4 | 5,6;7,8 || 9,10;11,12 | 13,14;15,16", filters: 2, channels: 2, kernel: Size2(2))
        let flat = try ValueGrid.weights("1,2;3,4 | 5,6;7,8 | 9,10;11,12 | 13,14;15,16", filters: 2, channels: 2, kernel: Size2(2))
        #expect(nested == flat)
        #expect(nested == (1...16).map(Float.init))
        let x = try ValueGrid.input("1,2;3,4 | 5,6;7,8", channels: 2, height: 2, width: 2)
        #expect(x == (1...8).map(Float.init))
    }

    @Test func wrongCountsNameWhatIsWrong() throws {
        let cases: [(() throws -> Void, String)] = [
            ({ _ = try ValueGrid.input("1,2;3,4", channels: 2, height: 2, width: 2) }, "found 1 channel block separated by '|', expected 2"),
            ({ _ = try ValueGrid.input("1,2;3,4 | 5,6", channels: 2, height: 2, width: 2) }, "channel 1 has 1 row separated by ';', expected 2"),
            ({ _ = try ValueGrid.input("1,2;3 | 5,6;7,8", channels: 2, height: 2, width: 2) }, "channel 0 row 1 has 1 value separated by ',', expected 2"),
            ({ _ = try ValueGrid.input("1,a;3,4", channels: 1, height: 2, width: 2) }, "'a' is not a number (channel 0 row 0 column 1)"),
            ({ _ = try ValueGrid.weights("1,2;3,4", filters: 2, channels: 1, kernel: Size2(2)) }, "found 1 kernel block separated by '|', expected M·C = 2·1 = 2"),
            ({ _ = try ValueGrid.weights("1;2 | 3;4 || 5;6", filters: 2, channels: 2, kernel: Size2(2, 1)) }, "filter 1 has 1 channel block"),
            ({ _ = try ValueGrid.weights("1,2", filters: 1, channels: 1, kernel: Size2(1, 3)) }, "filter 0 channel 0 row 0 has 2 values separated by ',', expected 3"),
        ]
        for (body, message) in cases {
            let error = expectConvKitError(body)
            #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        }
    }

    @Test func kernelLargerThanPaddedInputIsAnError() {
        let error = expectConvKitError { _ = try ConvolutionMatrixReport.compute(.init(input: "1,2,2", filters: 1, kernel: "3")) }
        #expect(error?.description.contains("expected input spatial size of at least 3×3") == true, "\(String(describing: error))")
        // With padding 1 the 3×3 kernel fits the 4×4 padded input.
        #expect((try? ConvolutionMatrixReport.compute(.init(input: "1,2,2", filters: 1, kernel: "3", padding: "1"))) != nil)
    }

    @Test func hugeMatrixIsRefused() {
        // 64·224·224 rows × 3·224·224 columns is far beyond the limit.
        let error = expectConvKitError { _ = try ConvolutionMatrixReport.compute(.init(input: "3,224,224", filters: 64, kernel: "3", padding: "1")) }
        #expect(error?.description.contains("limited to 4,194,304 entries") == true)
    }

    @Test func jsonHasTheContract() throws {
        let text = try ConvolutionMatrixReport.run(.init(input: "2,1,4", filters: 2, kernel: "1,3", symbolic: true, format: .json)).text
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((json["rows"] as? [String])?.count == 4)
        #expect((json["columns"] as? [String])?.count == 8)
        let matrix = try #require(json["matrix"] as? [[String]])
        #expect(matrix[0] == ["w[0,0,0,0]", "w[0,0,0,1]", "w[0,0,0,2]", "0", "w[0,1,0,0]", "w[0,1,0,1]", "w[0,1,0,2]", "0"])
        let checks = try #require(json["checks"] as? [String: Double])
        #expect(Set(checks.keys) == ["forward_max_abs_error", "transpose_backward_max_abs_error", "rotated_kernel_max_abs_error"])
        #expect((json["output"] as? [Double])?.count == 4)
    }

    @Test func largeMatrixTextIsTruncated() throws {
        let text = try ConvolutionMatrixReport.run(.init(input: "1,10,10", filters: 2, kernel: "3")).text
        // 2·8·8 = 128 rows × 100 columns > 64 columns: truncated view.
        #expect(text.contains("(A is 128×100: showing rows 0…31 and columns 0…15"))
        #expect(!text.contains("x[0,1,6]"), "column 16 is cut")
    }
}
