import Foundation
import Testing
@testable import ConvKit

/// Models too large for the machine are refused from their exact counts, before any weight exists.
@Suite struct MemoryBudgetTests {
    @Test func aTrillionParameterLinearIsRefusedBeforeAllocating() throws {
        let path = Repository.fixture("specs/huge-linear.yaml")
        let architecture = try ModelSpec.load(file: path)
        // Counting is fine: 10^6 · 10^6 weights + 10^6 biases.
        let summary = try Summary(architecture)
        #expect(summary.totals.params == 1_000_001_000_000)
        // Weights and gradients: 2 · 1,000,001,000,000 · 4 = 8,000,008,000,000 bytes (7.3 TiB).
        let available = try MemoryBudget.availableBytes()
        let error = expectConvKitError { _ = try Network(architecture, seed: 0) }
        #expect(error == .resourceLimit(what: "model 'huge-linear' (1,000,001,000,000 parameters; weights and gradients 2·params·4 bytes)",
                                        needed: 8_000_008_000_000, available: available))
        #expect(error?.description.contains("8,000,008,000,000 bytes (7.3 TiB)") == true)
    }

    @Test func trainingAtAHugeBatchIsRefused() throws {
        let summary = try Summary(try ModelSource.resolve("lenet5"))
        try MemoryBudget.requireTrainingFits(summary, batch: 4, optimizer: .sgd)
        // 10^9 images of 3·32·32·4 = 12,288 input bytes already need 12.3 TB.
        let error = expectConvKitError { try MemoryBudget.requireTrainingFits(summary, batch: 1_000_000_000, optimizer: .adam) }
        guard case let .resourceLimit(what, needed, _)? = error else {
            Issue.record("expected a resource limit, got \(String(describing: error))")
            return
        }
        #expect(what.hasPrefix("training 'lenet5' at batch 1000000000"))
        #expect(needed == (try TrainingMemory(summary: summary, batch: 1_000_000_000, optimizer: .adam)).totalBytes)
    }

    @Test func theLimitComesFromTheEnvironmentOrTheMachine() throws {
        #expect(try MemoryBudget.availableBytes(environment: ["CONVKIT_MEMORY_LIMIT": "1000"]) == 1000)
        let machine = try MemoryBudget.availableBytes(environment: [:])
        #expect(machine > 0 && machine <= Int(clamping: ProcessInfo.processInfo.physicalMemory))
        let error = expectConvKitError { _ = try MemoryBudget.availableBytes(environment: ["CONVKIT_MEMORY_LIMIT": "lots"]) }
        #expect(error == .invalidArgument(name: "CONVKIT_MEMORY_LIMIT", reason: "'lots' is not a positive number of bytes"))
    }

    @Test func countsThatOverflowAreReportedNotWrapped() throws {
        let error = expectConvKitError { _ = try Summary(try ModelSpec.load(file: Repository.fixture("specs/overflow.yaml"))) }
        // 2,147,483,647 · 2,147,483,647 · 3 > 2^63 − 1.
        #expect(error?.description.hasPrefix("integer overflow:") == true, "\(String(describing: error))")
    }
}
