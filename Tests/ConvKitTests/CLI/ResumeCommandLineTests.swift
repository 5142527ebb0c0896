import Foundation
import Testing
@testable import ConvKit

/// Crash-safe training end to end, through the built `convkit` executable: a run killed with
/// SIGKILL, or stopped with SIGINT, and resumed ends with the weights (and optimizer state) of an
/// uninterrupted run, bit for bit; a NaN loss exits 1 and keeps the last good checkpoint.
/// On `shapes` with `--limit 300`, a small network and 2 epochs of 19 batches.
@Suite(.serialized) struct ResumeCommandLineTests {
    static let spec = """
    input: [3, 32, 32]
    layers:
      - {type: conv2d, out_channels: 4, kernel_size: 5, stride: 2}
      - relu
      - {type: maxpool2d, kernel_size: 2}
      - flatten
      - {type: linear, out_features: 16}
      - relu
      - {type: dropout, p: 0.25}
      - {type: linear, out_features: 10}
    """

    static func training(_ folder: TemporaryFolder, epochs: Int = 2) throws -> [String] {
        let path = folder.file("small.yaml")
        if !FileManager.default.fileExists(atPath: path) { try spec.write(toFile: path, atomically: true, encoding: .utf8) }
        return ["train", path, "--dataset", "shapes", "--limit", "300", "--epochs", String(epochs), "--batch-size", "16",
                "--lr", "0.01", "--seed", "3", "--threads", "1", "--augment"]
    }

    /// Every tensor (weights, buffers, optimizer state) and the position, compared bit for bit.
    static func expectSameTraining(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let x = try SafeTensors.read(from: a), y = try SafeTensors.read(from: b)
        #expect(x.entries.map(\.name) == y.entries.map(\.name), sourceLocation: sourceLocation)
        #expect(x.entries.contains { $0.name.hasSuffix(".momentum_buffer") }, sourceLocation: sourceLocation)
        for (p, q) in zip(x.entries, y.entries) {
            #expect(p.shape == q.shape && p.values.map(\.bitPattern) == q.values.map(\.bitPattern), "\(p.name)", sourceLocation: sourceLocation)
        }
        for key in ["convkit.resume.epoch", "convkit.resume.step", "convkit.resume.random"] {
            #expect(x.metadata[key] == y.metadata[key], "\(key)", sourceLocation: sourceLocation)
        }
    }

    /// Starts `convkit` with stdout into a pipe (returned) and stderr into a file.
    static func start(_ arguments: [String], stderr: String) throws -> (Process, Pipe) {
        let process = Process()
        guard let executable = CommandLineTests.executable else {
            throw ConvKitError.fileError(file: "convkit", reason: "executable not found next to the tests")
        }
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        return (process, out)
    }

    @Test func killedAndInterruptedRunsResumeToTheUninterruptedWeights() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let reference = folder.file("reference.safetensors")
        let plain = try CommandLineTests.run(try Self.training(folder) + ["--checkpoint", reference, "--checkpoint-every", "1"])
        #expect(plain.status == 0, "\(plain.stderr)")

        // 1. SIGKILL during epoch 1 (0-based), as soon as the checkpoint of epoch 0 appears.
        let killed = folder.file("killed.safetensors"), snapshot = folder.file("snapshot.safetensors")
        let (victim, victimOut) = try Self.start(try Self.training(folder) + ["--checkpoint", killed, "--checkpoint-every", "1"], stderr: folder.file("killed.err"))
        DispatchQueue.global().async { _ = victimOut.fileHandleForReading.readDataToEndOfFile() }
        while victim.isRunning && !FileManager.default.fileExists(atPath: killed) { usleep(2_000) }
        if FileManager.default.fileExists(atPath: killed) { try FileManager.default.copyItem(atPath: killed, toPath: snapshot) }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        // The checkpoint left behind is complete (written atomically), whatever the kill interrupted.
        let left = try ResumableCheckpoint.load(killed)
        #expect(left.position.step == 0)
        // Normally the kill lands in epoch 1 and the snapshot holds epoch 0's end. Should the run
        // have finished first, a 1-epoch run provides that checkpoint instead, so resuming is still tested.
        var start = snapshot
        if victim.terminationReason != .uncaughtSignal || (try? ResumableCheckpoint.load(snapshot).position.epoch) != 1 {
            start = folder.file("one-epoch.safetensors")
            let one = try CommandLineTests.run(try Self.training(folder, epochs: 1) + ["--checkpoint", start, "--checkpoint-every", "1"])
            #expect(one.status == 0, "\(one.stderr)")
        }
        #expect(try ResumableCheckpoint.load(start).position == .boundary(epoch: 1, random: try ResumableCheckpoint.load(start).position.random))
        let resumed = try CommandLineTests.run(["train", "--resume", start, "--epochs", "2", "--checkpoint", folder.file("resumed.safetensors")])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.hasPrefix("Resuming \(start) at epoch 1 step 0 (of 2 epochs)\nEpoch 1 training loss: "))
        try Self.expectSameTraining(reference, folder.file("resumed.safetensors"))

        // 2. SIGINT once epoch 0's line is out: the run finishes its step, writes a checkpoint of
        // the exact position (usually epoch 1 step 0, or a few steps in) and exits with 130.
        let interrupted = folder.file("interrupted.safetensors")
        let errors = folder.file("interrupted.err")
        let (process, out) = try Self.start(try Self.training(folder) + ["--checkpoint", interrupted], stderr: errors)
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("Epoch 0 training loss") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, SIGINT)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 0 {
            // The run finished before the signal arrived (a stalled test process): nothing was
            // interrupted, and its final checkpoint must still be the reference's.
            try Self.expectSameTraining(reference, interrupted)
            return
        }
        guard process.terminationStatus == 130 else {
            Issue.record("expected exit status 130 after SIGINT, got \(process.terminationStatus): \(try String(contentsOfFile: errors, encoding: .utf8))")
            return
        }
        let message = try String(contentsOfFile: errors, encoding: .utf8)
        let position = try ResumableCheckpoint.load(interrupted).position
        #expect(message == "Interrupted at epoch \(position.epoch) step \(position.step); checkpoint written to \(interrupted). Resume with: convkit train --resume \(interrupted)\n")
        let continued = try CommandLineTests.run(["train", "--resume", interrupted])
        #expect(continued.status == 0, "\(continued.stderr)")
        try Self.expectSameTraining(reference, interrupted)
    }

    /// `--lr 1e6`: the loss overflows in the first epoch. The message names epoch and step and
    /// suggests a lower rate, the exit status is 1, and the checkpoint already at the path (from an
    /// earlier good run) is untouched and still evaluates.
    @Test func hugeLearningRateStopsWithTheNaNMessageAndKeepsTheCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file("good.safetensors")
        let good = try CommandLineTests.run(try Self.training(folder, epochs: 1) + ["--checkpoint", path, "--checkpoint-every", "1"])
        #expect(good.status == 0, "\(good.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        var arguments = try Self.training(folder, epochs: 1) + ["--checkpoint", path, "--checkpoint-every", "1"]
        arguments[arguments.firstIndex(of: "--lr")! + 1] = "1e6"
        let result = try CommandLineTests.run(arguments)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: the loss became NaN or infinite at epoch 0, step "), "\(result.stderr)")
        #expect(result.stderr.hasSuffix(" (learning rate 1000000.0); try a lower --lr\n"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stdout.contains("a file already at \(path) is unchanged"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let evaluation = try CommandLineTests.run(["evaluate", path, "--dataset", "shapes", "--limit", "20"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(try folder.listing().allSatisfy { !$0.contains(".tmp-") })
    }

    @Test(arguments: [
        (["train", "lenet5", "--checkpoint-every", "1"], "error: invalid value for --checkpoint-every: needs --checkpoint PATH, the file to write the resumable checkpoint to"),
        (["train", "--resume", "ck.safetensors", "--lr", "0.1"], "error: invalid value for --lr: cannot be changed when resuming"),
        (["train"], "error: invalid value for MODEL: name a zoo model or spec file to train, or continue a run with --resume CHECKPOINT"),
        (["train", "--resume", Repository.fixture("safetensors/python-written.safetensors")], "corrupt file: holds weights only, no training state to resume from"),
    ])
    func misuseGivesOneErrorLine(arguments: [String], message: String) throws {
        let result = try CommandLineTests.run(arguments)
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
