import Foundation
import Testing
@testable import ConvKit

/// End-to-end tests of the built `convkit` executable: exit codes, stdout and stderr.
@Suite struct CommandLineTests {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// The `convkit` binary next to the test bundle (SwiftPM builds it for the test target).
    static var executable: URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("convkit")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let debug = Repository.root.appendingPathComponent(".build/debug/convkit")
        return FileManager.default.isExecutableFile(atPath: debug.path) ? debug : nil
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = try #require(executable, "convkit executable not found")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func summaryJSONIsTheContract() throws {
        let result = try Self.run(["summary", "alexnet", "--format", "json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["model"] as? String == "alexnet")
        #expect(json["input"] as? [Int] == [3, 227, 227])
        let first = try #require((json["layers"] as? [[String: Any]])?.first)
        let keys = ["name", "kind", "output", "units", "weights", "biases", "params", "macs", "connections",
                    "activation_bytes", "parameter_bytes", "receptive_field", "jump"]
        for key in keys { #expect(first[key] != nil, "missing \(key)") }
        let total = try #require(json["total"] as? [String: Any])
        for key in ["units", "weights", "biases", "params", "macs", "connections", "activation_bytes", "parameter_bytes"] {
            #expect(total[key] is Int, "total.\(key)")
        }
    }

    @Test func tableExplainShowsArithmetic() throws {
        let result = try Self.run(["summary", "alexnet", "--explain"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("units = 55·55·96 = 290,400"))
        #expect(result.stdout.contains("weights = 256·(96/2)·5·5 = 307,200"))
        #expect(result.stdout.contains("(227 − 11)/4 + 1 = 55"))
    }

    @Test func inputOverride() throws {
        let result = try Self.run(["summary", "lenet5", "--input", "3,32,32", "--format", "csv"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("name,kind,output,units,"))
        #expect(result.stdout.contains("conv1,Conv2d,6x28x28,4704,450,6,456,352800,"))
    }

    @Test func modelsListsTheZoo() throws {
        let result = try Self.run(["models"])
        #expect(result.status == 0)
        for name in Zoo.names { #expect(result.stdout.contains(name)) }
    }

    struct BadCall: Sendable, CustomTestStringConvertible {
        let arguments: [String], message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let badCalls: [BadCall] = [
        BadCall(arguments: ["summary", "resnet9000"], message: "error: unknown model 'resnet9000'"),
        BadCall(arguments: ["summary", Repository.fixture("specs/unclosed.yaml")], message: "unclosed.yaml:2:7: invalid YAML"),
        BadCall(arguments: ["summary", Repository.fixture("specs/does-not-fit.yaml")], message: "error: layer 'head': expected input 100 input features, found 144"),
        BadCall(arguments: ["summary", "lenet5", "--input", "3,x,32"], message: "error: invalid value for input shape"),
        BadCall(arguments: ["summary", "lenet5", "--format", "xml"], message: "error: invalid value for --format"),
        BadCall(arguments: ["summary", "lenet5", "--bogus"], message: "error: Unknown option '--bogus'"),
    ]

    @Test(arguments: badCalls)
    func badInputGivesOneErrorLine(call: BadCall) throws {
        let result = try Self.run(call.arguments)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(call.message.replacingOccurrences(of: "error: ", with: "")), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }
}
