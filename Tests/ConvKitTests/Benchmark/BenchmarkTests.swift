import Foundation
import Testing
@testable import ConvKit

/// `convkit bench` in its tiny configuration: every figure present and positive (no timing thresholds).
@Suite struct BenchmarkTests {
    @Test func quickRunReportsEveryFigure() throws {
        let report = try Benchmark.run(.quick(threads: 2))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        for key in ["sgemm_gflops", "sgemm_lenet_conv1_gflops", "train_batch4_images_per_s", "train_batch64_images_per_s",
                    "train_batch4_seconds_per_epoch", "train_batch64_seconds_per_epoch", "inference_images_per_s"] {
            let value = try #require(object[key] as? Double, "\(key)")
            #expect(value > 0 && value.isFinite, "\(key) = \(value)")
        }
        #expect(object["threads"] as? Int == 2)
        #expect((object["engine"] as? String).map { ["avx2-fma", "portable"].contains($0) } == true)
        #expect((object["cpu"] as? String)?.isEmpty == false)
        // seconds per epoch = 50,000 images / images per second.
        #expect(abs(report.trainSmallSecondsPerEpoch * report.trainSmallImagesPerSecond - 50_000) < 1e-6)
        #expect(report.table().contains("LeNet-5 training, batch 64"))
    }

    @Test func skippedFiguresAreNull() throws {
        var options = BenchmarkOptions.quick(threads: 1)
        options.figures = [.sgemm]
        let report = try Benchmark.run(options)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(object["inference_images_per_s"] is NSNull)
        #expect((object["sgemm_gflops"] as? Double ?? 0) > 0)
    }

    @Test func jsonStringsAreEscaped() {
        #expect(BenchmarkReport.quoted("a \"b\"\\\n") == #""a \"b\"\\\n""#)
    }
}
