import Foundation
import Testing
@testable import ConvKit

/// `summary --batch N [--optimizer]` and the activation memory relative to the input.
@Suite struct TrainingMemoryTests {
    @Test func lenet5AtBatch64() throws {
        let summary = try Summary(try #require(Zoo.model(named: "lenet5")))
        let sgd = try TrainingMemory(summary: summary, batch: 64)
        // Input 64·3·32·32·4 = 786,432. Activations: Σ units 15,002 · 4 = 60,008 B per image, ·64 = 3,840,512.
        #expect(sgd.inputBytes == 786_432)
        #expect(sgd.activationBytes == 3_840_512)
        // Parameters 62,006·4 = 248,024; gradients the same; SGD momentum one buffer.
        #expect(sgd.parameterBytes == 248_024 && sgd.gradientBytes == 248_024 && sgd.optimizerBytes == 248_024)
        // 786,432 + 3,840,512 + 3·248,024 = 5,371,016.
        #expect(sgd.totalBytes == 5_371_016)
        let adam = try TrainingMemory(summary: summary, batch: 64, optimizer: .adam)
        // Adam keeps two moments: 2·248,024 = 496,048; total 5,371,016 + 248,024 = 5,619,040.
        #expect(adam.optimizerBytes == 496_048)
        #expect(adam.totalBytes == 5_619_040)
    }

    @Test func reportAddsTheEstimate() throws {
        let text = try SummaryReport.run(model: "lenet5", options: .init(batch: 64)).text
        #expect(text.contains("Training memory at batch 64 with SGD with momentum — an estimate"))
        #expect(text.contains("total = N·input·4 + N·Σ activation bytes"))
        #expect(text.contains("5,371,016"))
        let json = try SummaryReport.run(model: "lenet5", options: .init(format: .json, batch: 64, optimizer: "adam")).text
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let memory = try #require(object["training_memory"] as? [String: Any])
        #expect(memory["total_bytes"] as? Int == 5_619_040)
        #expect(memory["optimizer"] as? String == "adam")
        #expect((object["total"] as? [String: Any])?["params"] as? Int == 62_006, "summary keys are unchanged")
    }

    @Test func badMemoryArguments() {
        let calls: [(SummaryReport.Options, String)] = [
            (.init(batch: 0), "--batch"),
            (.init(optimizer: "adam"), "--optimizer"),
            (.init(batch: 8, optimizer: "rmsprop"), "--optimizer"),
            (.init(format: .csv, batch: 8), "--batch"),
            (.init(explain: true, emitSpec: true), "--emit-spec"),
        ]
        for (options, flag) in calls {
            let error = expectConvKitError { _ = try SummaryReport.run(model: "lenet5", options: options) }
            guard case let .invalidArgument(name, _)? = error else { Issue.record("\(String(describing: error))"); continue }
            #expect(name == flag)
        }
    }

    @Test func activationRelativeToInput() throws {
        let json = try summaryJSON("alexnet")
        let rows = try rowsByName(json)
        // conv1 units 55·55·96 = 290,400 over the input 3·227·227 = 154,587: 1.8786…
        let ratio = try #require(rows["conv1"]?["activation_relative_to_input"] as? Double)
        #expect(abs(ratio - 290_400.0 / 154_587.0) < 1e-12)
        // pool5: 6·6·256 = 9,216 / 154,587 = 0.0596…
        #expect(abs((rows["pool5"]?["activation_relative_to_input"] as? Double ?? 0) - 9_216.0 / 154_587.0) < 1e-12)
        let text = try SummaryReport.make(model: "alexnet", explain: true)
        #expect(text.contains("Act./input"))
        #expect(text.contains("memory vs input = 290,400 / 154,587 input units = 187.9%"))
        #expect(!(try SummaryReport.make(model: "alexnet")).contains("Act./input"))
    }
}
