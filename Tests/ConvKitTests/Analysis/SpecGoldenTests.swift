import Testing
@testable import ConvKit

/// Golden numbers of the example spec files, read from `convkit summary … --format json`.
@Suite struct SpecGoldenTests {
    @Test func singleConvolution() throws {
        let json = try summaryJSON(Repository.path("examples/single-conv.yaml"))
        #expect(json["input"] as? [Int] == [10, 48, 64])
        let row = try #require((json["layers"] as? [[String: Any]])?.first)
        // ⌊(48 − 3)/1⌋ + 1 = 46, ⌊(64 − 3)/1⌋ + 1 = 62.
        #expect(row["output"] as? [Int] == [20, 46, 62])
        // 20·10·3·3 + 20 = 1,800 + 20 = 1,820.
        #expect(row["params"] as? Int == 1_820)
        // 46·62·20 = 57,040 units · (10·3·3 = 90) = 5,133,600.
        #expect(row["macs"] as? Int == 5_133_600)
    }

    @Test func stridedConvolutions() throws {
        let json = try summaryJSON(Repository.path("examples/strided-convs.yaml"))
        let rows = try rowsByName(json)
        // ⌊(64 − 3)/2⌋ + 1 = 31; then 31 − 3 + 1 = 29.
        #expect(rows["conv1"]?["output"] as? [Int] == [256, 31, 31])
        #expect(rows["conv2"]?["output"] as? [Int] == [512, 29, 29])
        // 256·128·9 = 294,912; 512·256·9 = 1,179,648 (no biases).
        #expect(rows["conv1"]?["params"] as? Int == 294_912)
        #expect(rows["conv2"]?["params"] as? Int == 1_179_648)
        #expect((json["total"] as? [String: Any])?["params"] as? Int == 1_474_560)
        // 31·31·256 = 246,016 units · 1,152 = 283,410,432; 29·29·512 = 430,592 · 2,304 = 992,083,968.
        #expect(rows["conv1"]?["macs"] as? Int == 283_410_432)
        #expect(rows["conv2"]?["macs"] as? Int == 992_083_968)
        #expect((json["total"] as? [String: Any])?["macs"] as? Int == 1_275_494_400)
        // Activation units: input 128·64·64 = 524,288 → 246,016 → 430,592.
        #expect(try Shape([128, 64, 64]).elementCount() == 524_288)
        #expect(rows["conv1"]?["units"] as? Int == 246_016)
        #expect(rows["conv2"]?["units"] as? Int == 430_592)
    }

    @Test func receptiveField() throws {
        let json = try summaryJSON(Repository.path("examples/receptive-field.yaml"))
        let layers = try #require(json["layers"] as? [[String: Any]])
        // r = 1 + 2·1 = 3; 3 + 1·1 = 4; 4 + 2·2 = 8; 8 + 1·2 = 10. j = 1, 2, 2, 4.
        #expect(layers.map { $0["receptive_field"] as? Int } == [3, 4, 8, 10])
        #expect(layers.map { $0["jump"] as? Int } == [1, 2, 2, 4])
        #expect(layers.map { $0["name"] as? String } == ["conv1", "pool1", "conv2", "pool2"])
    }

    @Test func specMatchesZooLeNet() throws {
        let spec = try Summary(try ModelSource.resolve(Repository.path("examples/lenet5.yaml")))
        let zoo = try Summary(try #require(Zoo.model(named: "lenet5")))
        #expect(spec.rows.map(\.name) == zoo.rows.map(\.name))
        #expect(spec.totals == zoo.totals)
    }

    @Test func specMatchesZooInception() throws {
        let spec = try Summary(try ModelSource.resolve(Repository.path("examples/inception-bottleneck.yaml")))
        let zoo = try Summary(try #require(Zoo.model(named: "inception-bottleneck")))
        #expect(spec.totals == zoo.totals)
        #expect(spec.output == [480, 32, 32])
        #expect(spec.rows.contains { $0.name == "inception.branch2.reduce" })
    }

    @Test func inputOverride() throws {
        // LeNet-5 on 3×36×36: conv1 32×32, pool 16, conv2 12, pool 6 → flatten 16·6·6 = 576 ≠ 400.
        let error = expectConvKitError { _ = try summaryJSON("lenet5", input: "3,36,36") }
        #expect(error == .shapeMismatch(layer: "fc1", expected: "400 input features", found: "576"))
        let json = try summaryJSON("alexnet-torchvision", input: "3,256,256")
        #expect(json["input"] as? [Int] == [3, 256, 256])
        // ⌊(256 + 4 − 11)/4⌋ + 1 = 63 → pool 31 → 31 → pool 15 → 15 → pool 7 → adaptive 6.
        #expect(try rowsByName(json)["features.12"]?["output"] as? [Int] == [256, 7, 7])
        #expect(try rowsByName(json)["avgpool"]?["output"] as? [Int] == [256, 6, 6])
    }
}
