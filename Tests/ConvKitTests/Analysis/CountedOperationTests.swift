import Testing
@testable import ConvKit

/// `convkit summary --count`: each operation outside the MAC convention, layer by layer, on a small
/// graph with every kind of them (README "Counting conventions compared"; fvcore, torchinfo and
/// ptflops themselves are compared by scripts/counting-conventions.py).
@Suite struct CountedOperationTests {
    /// 2×4×4 input → conv 3×3 (pad 1, bias) to 3×4×4 → batch norm → ReLU → add(ReLU, conv) →
    /// 2×2 max pool → global average → flatten → linear 3 → 2 with bias.
    static let model = Architecture(name: "counts", input: [2, 4, 4], body: Sequential(name: "", [
        Conv2d("conv", 2, 3, kernel: 3, padding: 1), BatchNorm("bn", .two), ReLU("relu"), Add("sum"),
        MaxPool2d("pool", kernel: 2), AdaptiveAvgPool2d("gap", outputSize: Size2(1)), Flatten("flatten"), Linear("fc", 3, 2),
    ], inputs: ["sum": ["relu", "conv"]]))

    /// MACs: conv 48 units · 2·9 = 864, fc 3·2 = 6: 870. Extras: bn 2·48 = 96; add (2−1)·48 = 48;
    /// pool: its 48 inputs; adaptivepool: its 3·2·2 = 12 inputs; act 48; bias: conv 48 + fc 2 = 50.
    @Test(arguments: [
        ("", 870), ("bn", 966), ("add", 918), ("pool", 918), ("adaptivepool", 882), ("act", 918), ("bias", 920),
        ("bn,add,pool,adaptivepool,act,bias", 1172),
    ])
    func eachOperationAddsItsCount(count: String, macs: Int) throws {
        let counting = count.isEmpty ? [] : try CountedOperation.parse(count)
        let summary = try Summary(Self.model, counting: counting)
        #expect(summary.totals.macs == macs)
        #expect(summary.counted == counting)
    }

    @Test func formulasAndErrors() throws {
        let summary = try Summary(Self.model, counting: [.bn, .bias])
        let bn = try #require(summary.rows.first { $0.name == "bn" })
        #expect(bn.cost.macs.formula == "0 + 2·48 (bn) = 96")
        let conv = try #require(summary.rows.first { $0.name == "conv" })
        #expect(conv.cost.macs.value == 912 && conv.cost.macs.formula == "864 + 4·4·3 (bias) = 912")
        let json = try SummaryReport.run(model: "lenet5", options: .init(format: .json, count: "act")).text
        #expect(json.contains("\"counted\": [\"act\"]"))
        #expect(expectConvKitError { _ = try CountedOperation.parse("bn,relu") } ==
                .invalidArgument(name: "--count", reason: "'relu' is not one of bn, add, pool, adaptivepool, act, bias"))
    }
}
