import Foundation
import Testing
@testable import ConvKit

/// `convkit compare`: totals side by side, differences (B − A), ratios (A / B), matched layers.
@Suite struct ComparisonTests {
    func compareJSON(_ a: String, _ b: String, rewrites: [String] = []) throws -> [String: Any] {
        let output = try ComparisonReport.run(a: a, b: b, format: .json, rewrites: rewrites)
        return try #require(try JSONSerialization.jsonObject(with: Data(output.text.utf8)) as? [String: Any])
    }

    @Test func inceptionNaiveVersusBottleneck() throws {
        let json = try compareJSON("inception-naive", "inception-bottleneck")
        let a = try #require(json["a"] as? [String: Any]), b = try #require(json["b"] as? [String: Any])
        // Naive: 1×1 128·256 + 128 = 32,896; 3×3 192·256·9 + 192 = 442,560; 5×5 96·256·25 + 96 = 614,496
        // → 1,089,952. Bottleneck: 32,896 + 3·(64·256 + 64 = 16,448) + 192·64·9 + 192 = 110,784
        // + 96·64·25 + 96 = 153,696 → 346,720.
        #expect(a["params"] as? Int == 1_089_952)
        #expect(b["params"] as? Int == 346_720)
        // MACs = params without biases · 32·32: 1,089,536·1,024 = 1,115,684,864; 346,112·1,024 = 354,418,688.
        #expect(a["macs"] as? Int == 1_115_684_864)
        #expect(b["macs"] as? Int == 354_418_688)
        // 128 + 192 + 96 + 256 = 672 channels vs 128 + 192 + 96 + 64 = 480.
        #expect(a["output"] as? [Int] == [672, 32, 32])
        #expect(b["output"] as? [Int] == [480, 32, 32])
        #expect(a["receptive_field"] as? Int == 5 && b["receptive_field"] as? Int == 5)
        let ratio = try #require(json["ratio"] as? [String: Any])
        let params = try #require(ratio["params"] as? Double)
        // 1,089,952 / 346,720 = 3.1436…, 3.14 in the table.
        #expect(abs(params - 1_089_952.0 / 346_720.0) < 1e-12)
        #expect((params * 100).rounded() / 100 == 3.14)
        let difference = try #require(json["difference"] as? [String: Any])
        #expect(difference["params"] as? Int == 346_720 - 1_089_952)
        for key in ["units", "weights", "biases", "params", "macs", "connections", "activation_bytes", "parameter_bytes"] {
            #expect(a[key] is Int && b[key] is Int && difference[key] is Int && ratio[key] != nil, "\(key)")
        }
        let layers = try #require(json["layers"] as? [[String: Any]])
        let conv3 = try #require(layers.first { $0["name"] as? String == "branch2.conv3x3" })
        #expect((conv3["a"] as? [String: Any])?["params"] as? Int == 442_560)
        #expect((conv3["b"] as? [String: Any])?["params"] as? Int == 110_784)
        #expect(json["only_in_b"] as? [String] == ["branch2.reduce", "branch2.reduce_relu", "branch3.reduce", "branch3.reduce_relu",
                                                   "branch4.proj", "branch4.proj_relu"])
        #expect((json["only_in_a"] as? [String])?.isEmpty == true)
    }

    @Test func tableShowsDifferencesAndRatios() throws {
        let text = try ComparisonReport.run(a: "inception-naive", b: "inception-bottleneck").text
        #expect(text.hasPrefix("A: inception-naive — input 256×32×32, output 672×32×32\nB: inception-bottleneck"))
        let params = try #require(text.split(separator: "\n").first { $0.hasPrefix("Params ") })
        // 346,720 − 1,089,952 = −743,232.
        #expect(params.contains("1,089,952") && params.contains("346,720") && params.contains("−743,232") && params.hasSuffix("3.14"))
        #expect(text.contains("Layers in both models"))
        #expect(text.contains("Only in B: branch2.reduce"))
    }

    @Test func rewriteAppliesToBOnly() throws {
        let json = try compareJSON("alexnet", "alexnet", rewrites: ["no-groups"])
        #expect((json["a"] as? [String: Any])?["model"] as? String == "alexnet")
        #expect((json["b"] as? [String: Any])?["model"] as? String == "alexnet+no-groups")
        // 62,378,344 − 60,965,224 = 1,413,120 = 307,200 + 663,552 + 442,368.
        #expect((json["difference"] as? [String: Any])?["params"] as? Int == 1_413_120)
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers.count == 23, "every layer keeps its name")
        let conv2 = try #require(layers.first { $0["name"] as? String == "conv2" })
        // 256·48·25 + 256 = 307,456 grouped; 256·96·25 + 256 = 614,656 ungrouped.
        #expect((conv2["a"] as? [String: Any])?["params"] as? Int == 307_456)
        #expect((conv2["b"] as? [String: Any])?["params"] as? Int == 614_656)
    }

    @Test func zeroCountsHaveNoRatio() throws {
        let comparison = try Comparison(try Summary(try ModelSource.resolve(Repository.path("examples/conv5x5.yaml"))),
                                        try Summary(try ModelSource.resolve(Repository.path("examples/two-3x3.yaml"))))
        #expect(comparison.metric("biases")?.ratio == nil)
        // 307,200 / 131,328 = 2.339…
        #expect(ComparisonRenderer.ratioText(comparison.metric("weights")?.ratio) == "2.34")
        #expect(comparison.onlyInA == ["conv"])
        #expect(comparison.layers.isEmpty)
        let json = ComparisonRenderer.json(comparison).serialized()
        #expect(json.contains("\"biases\": null"))
    }

    @Test func csvIsOneLongTable() throws {
        let text = try ComparisonReport.run(a: "lenet5", b: "lenet5", format: .csv, rewrites: ["width=0.5"]).text
        let lines = text.split(separator: "\n")
        #expect(lines.first == "scope,name,metric,a,b,difference,ratio")
        // 15,888 − 62,006 = −46,118; 62,006 / 15,888 = 3.9026…
        let params = try #require(lines.first { $0.hasPrefix("total,,params,") })
        #expect(params.hasPrefix("total,,params,62006,15888,-46118,3.902"))
        #expect(lines.contains("layer,conv1,params,456,228,-228,2.0"))
    }

    @Test func markdownHasBothTables() throws {
        let text = try ComparisonReport.run(a: "lenet5", b: "lenet5", format: .markdown, rewrites: ["global-pool-head"]).text
        #expect(text.contains("| Total | lenet5 | lenet5+global-pool-head | B − A | A / B |"))
        #expect(text.contains("**Layers in both models**"))
        #expect(text.contains("- Only in A: fc1, relu3, fc2, relu4, fc3"))
    }

    @Test func notesSayWhenARewriteDoesNotApply() throws {
        let output = try ComparisonReport.run(a: "vgg16", b: "vgg16", rewrites: ["no-groups"])
        #expect(output.notes == ["rewrite 'no-groups' does not apply to vgg16: no convolution is grouped; the model is unchanged"])
        #expect(output.text.contains("vgg16 (A)") && output.text.contains("vgg16 (B)"))
    }
}
