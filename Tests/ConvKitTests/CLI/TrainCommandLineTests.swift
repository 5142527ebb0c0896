import Foundation
import Testing
@testable import ConvKit

/// `convkit train` / `evaluate` reject bad input with one `error:` line, before any training.
@Suite struct TrainCommandLineTests {
    struct BadCall: Sendable, CustomTestStringConvertible {
        let arguments: [String], message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let badCalls: [BadCall] = [
        BadCall(arguments: ["train", "lenet5", "--optimizer", "rmsprop"], message: "invalid value for --optimizer: 'rmsprop' is not one of sgd, adam"),
        BadCall(arguments: ["train", "lenet5", "--epochs", "0"], message: "invalid value for --epochs: must be at least 1, found 0"),
        BadCall(arguments: ["train", "lenet5", "--lr=-1"], message: "invalid value for --lr: must be positive"),
        BadCall(arguments: ["train", "lenet5", "--schedule", "linear"], message: "invalid value for --schedule"),
        BadCall(arguments: ["train", "lenet5", "--dataset", "imagenet"], message: "unknown dataset 'imagenet'; valid names: cifar10, mnist, shapes"),
        BadCall(arguments: ["train", "lenet5", "--dataset", "cifar10", "--data-dir", "/nonexistent"], message: "/nonexistent/cifar-10-batches-bin: CIFAR-10 not found"),
        BadCall(arguments: ["train", "lenet5", "--dataset", "mnist", "--data-dir", "/nonexistent"], message: "MNIST is not downloaded automatically"),
        BadCall(arguments: ["train", "lenet5", "--dropout", "1.5"], message: "invalid value for --dropout"),
        BadCall(arguments: ["evaluate", "/nonexistent/model.safetensors"], message: "/nonexistent/model.safetensors"),
        BadCall(arguments: ["evaluate", Repository.fixture("safetensors/header-length-2-pow-60.safetensors")], message: "corrupt file"),
    ]

    @Test(arguments: badCalls)
    func badInputGivesOneErrorLine(call: BadCall) throws {
        let result = try CommandLineTests.run(call.arguments)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(call.message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }
}
