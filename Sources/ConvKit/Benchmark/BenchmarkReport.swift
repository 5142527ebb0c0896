import ConvKitKernels
import Foundation

/// The figures of `convkit bench` (medians; see ``BenchmarkOptions``).
public struct BenchmarkReport: Sendable {
    /// Side n of the square SGEMM and its throughput in GFLOP/s (2·n³ floating-point operations per call).
    public var sgemmSize: Int
    public var sgemmGFLOPS: Double
    /// Columns of the 6×75×columns SGEMM (LeNet-5 conv1 over a batch of 4: 3,136) and its GFLOP/s.
    public var conv1Columns: Int
    public var sgemmLeNetConv1GFLOPS: Double
    /// Batch size and images per second of the small-batch training figure (batch 4).
    public var trainSmallBatch: Int
    public var trainSmallImagesPerSecond: Double
    /// Batch size and images per second of the large-batch training figure (batch 64).
    public var trainLargeBatch: Int
    public var trainLargeImagesPerSecond: Double
    /// Batch size and images per second of evaluation-mode forward passes.
    public var inferenceBatch: Int
    public var inferenceImagesPerSecond: Double
    /// Batch size and images per second of airbench94 training steps (forward, loss, backward,
    /// SGD with momentum) on synthetic 3×32×32 images.
    public var airbenchBatch: Int
    public var airbenchTrainImagesPerSecond: Double
    /// The model of `convkit bench --model` (nil when not measured), its batch size, and images per
    /// second of its training steps (forward, loss, backward, SGD with momentum) and of its
    /// evaluation-mode forward passes on synthetic data.
    public var modelName: String?
    public var modelBatch: Int
    public var modelTrainImagesPerSecond: Double
    public var modelInferenceImagesPerSecond: Double
    /// Images of one epoch for the derived seconds per epoch (CIFAR-10: 50,000).
    public var epochImages: Int
    public var threads: Int
    /// CPU model name.
    public var cpu: String
    /// Kernel engine in use (`avx512`, `avx2-fma` or `portable`; `CONVKIT_ENGINE` forces one).
    public var engine: String
    /// Data cache sizes in bytes (0: no L3) and the GEMM blocking derived from them.
    public var caches = KernelEngine.caches
    public var blocking = KernelEngine.blocking
    /// The convolution algorithm setting: `auto` (the per-shape rule), or `im2col` / `winograd` when
    /// `CONVKIT_CONVOLUTION` forces one.
    public var convolution = KernelEngine.convolution

    /// Seconds of one training epoch at the small batch, from the measured images per second.
    public var trainSmallSecondsPerEpoch: Double { Double(epochImages) / trainSmallImagesPerSecond }
    /// Seconds of one training epoch at the large batch.
    public var trainLargeSecondsPerEpoch: Double { Double(epochImages) / trainLargeImagesPerSecond }

    /// `(key, value)` in a fixed order; numbers already formatted. The keys are the stable JSON
    /// interface (snake_case); the batch sizes are part of the training keys.
    public var fields: [(key: String, value: String, isText: Bool)] {
        [
            ("sgemm_gflops", Self.number(sgemmGFLOPS, 2), false),
            ("sgemm_lenet_conv1_gflops", Self.number(sgemmLeNetConv1GFLOPS, 2), false),
            ("train_batch\(trainSmallBatch)_images_per_s", Self.number(trainSmallImagesPerSecond, 1), false),
            ("train_batch\(trainLargeBatch)_images_per_s", Self.number(trainLargeImagesPerSecond, 1), false),
            ("train_batch\(trainSmallBatch)_seconds_per_epoch", Self.number(trainSmallSecondsPerEpoch, 3), false),
            ("train_batch\(trainLargeBatch)_seconds_per_epoch", Self.number(trainLargeSecondsPerEpoch, 3), false),
            ("inference_images_per_s", Self.number(inferenceImagesPerSecond, 1), false),
            ("train_airbench94_batch\(airbenchBatch)_images_per_s", Self.number(airbenchTrainImagesPerSecond, 1), false),
        ] + (modelName.map { name in [
            ("model", name, true),
            ("model_batch", "\(modelBatch)", false),
            ("model_train_images_per_s", Self.number(modelTrainImagesPerSecond, 1), false),
            ("model_train_seconds_per_epoch", Self.number(Double(epochImages) / modelTrainImagesPerSecond, 3), false),
            ("model_inference_images_per_s", Self.number(modelInferenceImagesPerSecond, 1), false),
        ] } ?? []) + [
            ("threads", "\(threads)", false),
            ("cpu", cpu, true),
            ("engine", engine, true),
            ("l1d_cache_bytes", "\(caches.level1Data)", false),
            ("l2_cache_bytes", "\(caches.level2)", false),
            ("l3_cache_bytes", "\(caches.level3)", false),
            ("gemm_kc", "\(blocking.kc)", false),
            ("gemm_mc", "\(blocking.mc)", false),
            ("gemm_nc", "\(blocking.nc)", false),
            ("convolution_algorithm", convolution, true),
        ]
    }

    private static func number(_ value: Double, _ decimals: Int) -> String {
        value.isFinite ? String(format: "%.\(decimals)f", value) : "null"
    }

    /// One JSON object, keys in the order of ``fields``.
    public func json() -> String {
        let body = fields.map { field in
            "  \"\(field.key)\": " + (field.isText ? Self.quoted(field.value) : field.value)
        }
        return "{\n" + body.joined(separator: ",\n") + "\n}"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A human table: figure, value, unit.
    public func table() -> String {
        var rows: [(String, String, String)] = [
            ("SGEMM \(sgemmSize)×\(sgemmSize)×\(sgemmSize)", Self.number(sgemmGFLOPS, 1), "GFLOP/s"),
            ("SGEMM 6×75×\(conv1Columns) (LeNet-5 conv1, batch 4)", Self.number(sgemmLeNetConv1GFLOPS, 1), "GFLOP/s"),
            ("LeNet-5 training, batch \(trainSmallBatch)", Self.number(trainSmallImagesPerSecond, 0), "images/s"),
            ("  one \(epochImages)-image epoch", Self.number(trainSmallSecondsPerEpoch, 2), "s"),
            ("LeNet-5 training, batch \(trainLargeBatch)", Self.number(trainLargeImagesPerSecond, 0), "images/s"),
            ("  one \(epochImages)-image epoch", Self.number(trainLargeSecondsPerEpoch, 2), "s"),
            ("LeNet-5 inference, batch \(inferenceBatch)", Self.number(inferenceImagesPerSecond, 0), "images/s"),
            ("airbench94 training, batch \(airbenchBatch)", Self.number(airbenchTrainImagesPerSecond, 1), "images/s"),
        ].filter { $0.1 != "null" }
        if let modelName {
            rows += [
                ("\(modelName) training, batch \(modelBatch)", Self.number(modelTrainImagesPerSecond, 0), "images/s"),
                ("  one \(epochImages)-image epoch", Self.number(Double(epochImages) / modelTrainImagesPerSecond, 1), "s"),
                ("\(modelName) inference, batch \(modelBatch)", Self.number(modelInferenceImagesPerSecond, 0), "images/s"),
            ]
        }
        let nameWidth = rows.map { $0.0.count }.max() ?? 0
        let valueWidth = rows.map { $0.1.count }.max() ?? 0
        var lines = rows.map { row in
            row.0.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: valueWidth - row.1.count) + row.1 + " " + row.2
        }
        lines.append("threads: \(threads), engine: \(engine), cpu: \(cpu)")
        lines.append(KernelEngine.description)
        return lines.joined(separator: "\n")
    }
}
