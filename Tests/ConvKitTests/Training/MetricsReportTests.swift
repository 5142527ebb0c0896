import Foundation
import Testing
@testable import ConvKit

/// The metrics CSV: `train_seconds` (training steps alone) beside `seconds` (the whole epoch), the
/// round trip through a checkpoint, and files from before the column.
@Suite struct MetricsReportTests {
    @Test func trainSecondsIsTheTrainingPartOfEachEpoch() throws {
        let fixture = try ResumeTests.Fixture()
        let path = fixture.folder.file("m.csv")
        let outcome = try TrainingSession.train(fixture.request { $0.metrics = path; $0.options.epochs = 2 }, print: { _ in })
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_seconds")
        #expect(lines.count == 3)
        for m in outcome.metrics {
            let trainSeconds = try #require(m.trainSeconds)
            // The test pass comes after the training steps, inside `seconds`.
            #expect(trainSeconds > 0 && trainSeconds <= m.seconds)
        }
        let parsed = try MetricsReport.parse(csv: text, file: path)
        #expect(MetricsReport.csv(parsed) == text, "the CSV reads back to itself")
    }

    /// A checkpoint written before the column holds six; its epochs read with no training time and
    /// are written back with an empty `train_seconds`.
    @Test func sixColumnFilesStillRead() throws {
        let old = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n0,2.000000,0.250000,1.900000,0.300000,4.500\n"
        let parsed = try MetricsReport.parse(csv: old, file: "old.csv")
        #expect(parsed == [EpochMetrics(epoch: 0, trainLoss: 2, trainAccuracy: 0.25, testLoss: 1.9, testAccuracy: 0.3, seconds: 4.5, trainSeconds: nil)])
        #expect(MetricsReport.csv(parsed).hasSuffix("\n0,2.000000,0.250000,1.900000,0.300000,4.500,\n"))
        let bad = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_seconds\n0,2,0.25,1.9,0.3,4.5,soon\n"
        let error = expectConvKitError { _ = try MetricsReport.parse(csv: bad, file: "bad.csv") }
        #expect(error == .corruptFile(file: "bad.csv", reason: "metrics line 2 has a train_seconds that is not a number"))
        let short = expectConvKitError { _ = try MetricsReport.parse(csv: "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_seconds\n0,2,0.25,1.9,0.3,4.5\n", file: "s.csv") }
        #expect(short == .corruptFile(file: "s.csv", reason: "metrics line 2 is not 7 comma-separated values"))
    }
}
