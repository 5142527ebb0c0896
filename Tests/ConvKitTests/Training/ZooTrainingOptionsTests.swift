import Testing
@testable import ConvKit

/// `convkit train MODEL --input C,H,W --classes N`: an ImageNet zoo model at another input size with
/// another head, as torchvision's `num_classes`; the settings survive a resumable checkpoint.
@Suite struct ZooTrainingOptionsTests {
    /// mobilenet_v2 with 10 classes: classifier.1 becomes 1280 → 10, so params drop from 3,504,872 by
    /// 1,281,000 − (12,800 + 10) = 1,268,190 to 2,236,682. squeezenet1_0's last layer is the 1×1
    /// convolution classifier.1 (512·1000 + 1000 = 513,000 → 512·10 + 10 = 5,130): 1,248,424 − 513,000 + 5,130 = 740,554.
    @Test func classesReplaceTheLastWeightedLayer() throws {
        var request = TrainingRequest(model: "mobilenet_v2", dataset: "shapes")
        request.input = [3, 32, 32]
        request.classes = 10
        let summary = try Summary(try TrainingSession.architecture(for: request))
        #expect(summary.output == [10] && summary.input == [3, 32, 32] && summary.totals.params == 2_236_682)
        request.model = "squeezenet1_0"
        let squeeze = try Summary(try TrainingSession.architecture(for: request))
        #expect(squeeze.output == [10] && squeeze.totals.params == 740_554)
        var arguments = TrainingArguments()
        arguments.model = "mobilenet_v2"
        arguments.classes = 0
        #expect(expectConvKitError { _ = try arguments.request(defaultThreads: 1) } == .invalidArgument(name: "--classes", reason: "must be at least 1, found 0"))
        arguments.classes = nil
        arguments.input = "3,32"
        #expect(expectConvKitError { _ = try arguments.request(defaultThreads: 1) }?.description.contains("--input") == true)
        // A decoder ending in a transposed convolution: its output channels become the classes.
        let decoder = Architecture(name: "decoder", input: [4, 3, 3], layers: [ConvTranspose2d("up", 4, 2, kernel: 2, stride: 2)])
        #expect(try Summary(try ArchitectureOptions.replacingClasses(decoder, classes: 5)).output == [5, 6, 6])
        let noWeights = Architecture(name: "pool", input: [1, 4, 4], layers: [MaxPool2d("p", kernel: 2)])
        #expect(throws: ConvKitError.self) { try ArchitectureOptions.replacingClasses(noWeights, classes: 3) }
    }

    /// The request's new keys round-trip through the resumable checkpoint's JSON, and a request
    /// written before they existed still reads (as nil).
    @Test func inputAndClassesAreStoredForResume() throws {
        var request = TrainingRequest(model: "mobilenet_v2", dataset: "shapes")
        request.input = [3, 32, 32]
        request.classes = 10
        let back = try TrainingRequestCoding.request(from: TrainingRequestCoding.json(request), file: "ck")
        #expect(back.input == [3, 32, 32] && back.classes == 10)
        guard case let .object(entries) = TrainingRequestCoding.json(TrainingRequest(model: "lenet5", dataset: "shapes")) else {
            Issue.record("not an object")
            return
        }
        let older = JSONValue.object(entries.filter { $0.0 != "input" && $0.0 != "classes" })
        let old = try TrainingRequestCoding.request(from: older, file: "ck")
        #expect(old.input == nil && old.classes == nil)
        var arguments = TrainingArguments()
        arguments.classes = 10
        #expect(expectConvKitError { _ = try arguments.resumedRequest(request, from: "ck") }?.description.hasPrefix("invalid value for --classes: cannot be changed") == true)
    }
}
