import Foundation
import Testing
@testable import ConvKit

/// End-to-end tests of `convkit explain …` and `convkit gradients`.
@Suite struct ExplainCommandLineTests {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try CommandLineTests.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func convSymbolicRow() throws {
        let result = try CommandLineTests.run(["explain", "conv", "--input", "2,1,4", "--filters", "2", "--kernel", "1,3", "--symbolic"])
        #expect(result.status == 0)
        let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("y[0,0,0]") })
        #expect(row.split(separator: " ").dropFirst().joined(separator: " ") == "w[0,0,0,0] w[0,0,0,1] w[0,0,0,2] 0 w[0,1,0,0] w[0,1,0,1] w[0,1,0,2] 0")
        #expect(result.stdout.contains("A is 4×8") && result.stdout.contains("12 distinct weights"))
    }

    /// See ConvolutionMatrixTests.edgeDetectorByHand for the arithmetic.
    @Test func convEdgeDetectorJSON() throws {
        let object = try json(["explain", "conv", "--input", "1,5,5", "--filters", "1", "--kernel", "2,2",
                               "--x", "0,0,0,0,0;0,3,3,3,0;0,3,2,3,0;0,3,2,3,0;0,0,0,0,0", "--w", "1,-1;1,-1", "--format", "json"])
        let output = try #require(object["output"] as? [Double])
        #expect(object["output_shape"] as? [Int] == [1, 4, 4])
        #expect(output.max() == 6 && output.firstIndex(of: 6) == 1 * 4 + 3)
        #expect(output.min() == -6 && output.firstIndex(of: -6) == 1 * 4 + 0)
    }

    @Test(arguments: [["--stride", "2", "--padding", "1"], ["--stride", "2"], ["--padding", "1", "--dilation", "2"]])
    func convChecksJSON(extra: [String]) throws {
        let object = try json(["explain", "conv", "--input", "3,8,7", "--filters", "4", "--kernel", "3", "--format", "json"] + extra)
        let checks = try #require(object["checks"] as? [String: Double])
        #expect(checks.count == 3)
        for (name, error) in checks { #expect(error <= 1e-5, "\(name) = \(error)") }
    }

    @Test func receptiveFieldJSON() throws {
        let object = try json(["explain", "receptive-field", Repository.path("examples/receptive-field.yaml"), "--at", "0,0", "--format", "json"])
        #expect(object["rows"] as? [Int] == [0, 6] && object["unclipped_rows"] as? [Int] == [-3, 6])
    }

    @Test func gradientsSigmoidVersusRelu() throws {
        let sigmoid = try json(["gradients", "--activation", "sigmoid", "--depth", "10", "--width", "32", "--format", "json"])
        #expect((sigmoid["last_to_first_weight_gradient_ratio"] as? Double ?? 0) >= 100)
        let relu = try json(["gradients", "--activation", "relu", "--depth", "10", "--width", "32", "--format", "json"])
        #expect((relu["last_to_first_weight_gradient_ratio"] as? Double ?? 1000) < 100)
        #expect((relu["layers"] as? [[String: Any]])?.count == 20)
    }

    @Test func batchNormAndMomentum() throws {
        let bn = try CommandLineTests.run(["explain", "batchnorm", "--values", "12,14,14,12; 0,10,10,0; -5,5,5,-5", "--gamma", "1,1,1", "--beta", "0,-10,10"])
        #expect(bn.status == 0)
        #expect(bn.stdout.contains("= -11, -9, -9, -11\n") && bn.stdout.contains("= 9, 11, 11, 9\n"))
        let momentum = try json(["explain", "momentum", "--steps", "5", "--format", "json"])
        #expect((momentum["max_difference"] as? Double ?? 1) < 1e-5)
    }

    static let badCalls: [CommandLineTests.BadCall] = [
        .init(arguments: ["explain", "conv", "--input", "1,2,2", "--filters", "1", "--kernel", "3"],
              message: "error: layer 'conv': expected input spatial size of at least 3×3 after padding 0"),
        .init(arguments: ["explain", "conv", "--input", "1,2,2", "--filters", "1", "--kernel", "2", "--x", "1,2,3;4,5,6"],
              message: "error: invalid value for --x: channel 0 row 0 has 3 values separated by ',', expected 2 (input width W)"),
        .init(arguments: ["explain", "receptive-field", Repository.path("examples/receptive-field.yaml"), "--at", "8,0"],
              message: "error: invalid value for --at: 8,0 is outside the 8×8 output of 'pool2': rows 0…7, columns 0…7"),
        .init(arguments: ["explain", "batchnorm", "--values", "1,2,3; 4,5"], message: "error: invalid value for --values: feature 1 has 2 values"),
        .init(arguments: ["explain", "momentum", "--lr", "0"], message: "error: invalid value for --lr: must be positive"),
        .init(arguments: ["gradients", "--dataset", "cifar10", "--data-dir", "/nonexistent"], message: "error: /nonexistent/cifar-10-batches-bin: CIFAR-10 not found"),
    ]

    @Test(arguments: badCalls)
    func badInputGivesOneErrorLine(call: CommandLineTests.BadCall) throws {
        let result = try CommandLineTests.run(call.arguments)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix(call.message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
