import Testing
@testable import ConvKit

@Suite struct NormalizationTests {
    @Test func goldenValues() {
        // .half: (x/255 − 0.5)/0.5 → 0 ↦ (0 − 0.5)/0.5 = −1; 255 ↦ (1 − 0.5)/0.5 = 1; 51 ↦ (0.2 − 0.5)/0.5 = −0.6.
        #expect(Normalization.half.value(0, channel: 0) == -1)
        #expect(Normalization.half.value(255, channel: 2) == 1)
        #expect(abs(Normalization.half.value(51, channel: 1) - (-0.6)) < 1e-6)
        // .unit: x/255 → 255 ↦ 1, 0 ↦ 0, 51 ↦ 0.2.
        #expect(Normalization.unit.value(255, channel: 0) == 1)
        #expect(Normalization.unit.value(0, channel: 0) == 0)
        #expect(abs(Normalization.unit.value(51, channel: 0) - 0.2) < 1e-7)
        // .meanStd: (x/255 − m)/s → 255 with m = 0.5, s = 0.25 ↦ 0.5/0.25 = 2; 0 with m = 0.2, s = 0.1 ↦ −2.
        let custom = Normalization.meanStd(mean: [0.5, 0.2], std: [0.25, 0.1])
        #expect(custom.value(255, channel: 0) == 2)
        #expect(abs(custom.value(0, channel: 1) - (-2)) < 1e-6)
    }

    @Test func datasetStatisticsArePerChannelPopulationMoments() throws {
        // Two 2-channel 1×2 images. Channel 0: bytes 0, 255, 255, 255 → x/255 = 0, 1, 1, 1:
        // mean 0.75, variance (0.75² + 3·0.25²)/4 = (0.5625 + 0.1875)/4 = 0.1875, std 0.4330127.
        // Channel 1: all 51 → mean 0.2, no spread → std 1 (never divide by zero).
        let data = try ImageDataset(name: "t", images: [0, 255, 51, 51, 255, 255, 51, 51], labels: [0, 0],
                                    imageShape: [2, 1, 2], classNames: ["a"])
        guard case let .meanStd(mean, std) = Normalization.datasetStatistics(of: data) else {
            Issue.record("expected .meanStd"); return
        }
        #expect(abs(mean[0] - 0.75) < 1e-7 && abs(std[0] - 0.4330127) < 1e-6)
        #expect(abs(mean[1] - 0.2) < 1e-7 && std[1] == 1)
    }

    @Test func parametersMustFitTheChannels() throws {
        let data = try SyntheticShapes.make(count: 2, seed: 1)
        let count = expectConvKitError { _ = try BatchLoader(dataset: data, batchSize: 2, normalization: .meanStd(mean: [0.5], std: [0.5]), shuffle: false) }
        #expect(count == .invalidArgument(name: "normalization", reason: "mean and std need 3 values each (one per channel), found 1 and 1"))
        let zero = expectConvKitError { _ = try BatchLoader(dataset: data, batchSize: 2, normalization: .meanStd(mean: [0, 0, 0], std: [1, 0, 1]), shuffle: false) }
        #expect(zero == .invalidArgument(name: "normalization", reason: "std[1] = 0.0 must be a positive finite number"))
    }
}
