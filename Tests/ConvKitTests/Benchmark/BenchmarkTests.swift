import Foundation
import Testing
@testable import ConvKit

/// `convkit bench` in its tiny configuration: every figure present and positive (no timing thresholds).
@Suite struct BenchmarkTests {
    @Test func quickRunReportsEveryFigure() throws {
        let report = try Benchmark.run(.quick(threads: 2))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        for key in ["sgemm_gflops", "sgemm_lenet_conv1_gflops", "train_batch4_images_per_s", "train_batch64_images_per_s",
                    "train_batch4_seconds_per_epoch", "train_batch64_seconds_per_epoch", "inference_images_per_s",
                    "train_airbench94_batch2_images_per_s"] {
            let value = try #require(object[key] as? Double, "\(key)")
            #expect(value > 0 && value.isFinite, "\(key) = \(value)")
        }
        #expect(object["threads"] as? Int == 2)
        #expect((object["engine"] as? String).map { ["avx512", "avx2-fma", "portable"].contains($0) } == true)
        for key in ["l1d_cache_bytes", "l2_cache_bytes", "gemm_kc", "gemm_mc", "gemm_nc"] {
            #expect((object[key] as? Int ?? 0) > 0, "\(key)")
        }
        #expect(report.table().contains("GEMM blocking KC"))
        #expect((object["convolution_algorithm"] as? String).map { ["auto", "im2col", "winograd", "winograd4", "direct"].contains($0) } == true)
        #expect(report.table().contains("; convolutions \(KernelEngine.convolution)"))
        #expect((object["cpu"] as? String)?.isEmpty == false)
        // seconds per epoch = 50,000 images / images per second.
        #expect(abs(report.trainSmallSecondsPerEpoch * report.trainSmallImagesPerSecond - 50_000) < 1e-6)
        #expect(report.table().contains("LeNet-5 training, batch 64") && report.table().contains("airbench94 training, batch 2"))
        #expect(BenchmarkOptions(threads: 1).airbenchBatch == 256, "the full run's key is train_airbench94_batch256_images_per_s")
    }

    @Test func skippedFiguresAreNull() throws {
        var options = BenchmarkOptions.quick(threads: 1)
        options.figures = [.sgemm]
        let report = try Benchmark.run(options)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(object["inference_images_per_s"] is NSNull)
        #expect((object["sgemm_gflops"] as? Double ?? 0) > 0)
    }

    /// `convkit bench --model`: a small residual spec at batch 3; its figures and no LeNet-5 ones.
    @Test func modelFiguresMeasureTheGivenNetwork() throws {
        let spec = """
        input: [3, 8, 8]
        layers:
          - {type: conv2d, out_channels: 4, kernel_size: 3, padding: 1}
          - type: residual
            body:
              - {type: conv2d, out_channels: 4, kernel_size: 3, padding: 1}
            activation: relu
          - flatten
          - {type: linear, out_features: 5}
        """
        var options = BenchmarkOptions.quick(threads: 2)
        options.model = ("tiny-residual", try ModelSpec.parse(yaml: spec, file: "tiny.yaml"))
        options.modelBatch = 3
        options.figures = [.model]
        let report = try Benchmark.run(options)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(object["model"] as? String == "tiny-residual")
        #expect(object["model_batch"] as? Int == 3)
        for key in ["model_train_images_per_s", "model_train_seconds_per_epoch", "model_inference_images_per_s"] {
            let value = try #require(object[key] as? Double, "\(key)")
            #expect(value > 0 && value.isFinite, "\(key) = \(value)")
        }
        #expect(object["train_batch4_images_per_s"] is NSNull)
        let table = report.table()
        #expect(table.contains("tiny-residual training, batch 3") && table.contains("tiny-residual inference, batch 3"))
        #expect(!table.contains("LeNet-5") && !table.contains("null"))
    }

    @Test func jsonStringsAreEscaped() {
        #expect(BenchmarkReport.quoted("a \"b\"\\\n") == #""a \"b\"\\\n""#)
    }
}

/// CONVKIT_ENGINE: a name that is no engine, or one this CPU cannot run, is an error before any work;
/// so is a CONVKIT_CONVOLUTION that names no algorithm.
@Suite struct KernelEngineTests {
    @Test func environmentIsChecked() throws {
        try KernelEngine.checkEnvironment([:])
        try KernelEngine.checkEnvironment(["CONVKIT_ENGINE": "portable"])
        let unknown = expectConvKitError { try KernelEngine.checkEnvironment(["CONVKIT_ENGINE": "sse9"]) }
        #expect(unknown == .invalidArgument(name: "CONVKIT_ENGINE", reason: "'sse9' is not one of portable, avx2, avx512"))
        #expect(KernelEngine.description.hasPrefix("engine \(KernelEngine.name) (fastest here: "))
    }

    /// CONVKIT_CONVOLUTION: auto, im2col, winograd, winograd4 or direct; anything else is an error line.
    @Test func convolutionAlgorithmIsChecked() throws {
        for value in ["auto", "im2col", "winograd", "winograd4", "direct"] { try KernelEngine.checkEnvironment(["CONVKIT_CONVOLUTION": value]) }
        let unknown = expectConvKitError { try KernelEngine.checkEnvironment(["CONVKIT_CONVOLUTION": "fft"]) }
        #expect(unknown == .invalidArgument(name: "CONVKIT_CONVOLUTION", reason: "'fft' is not one of auto, im2col, winograd, winograd4, direct, depthwise"))
    }
}
