import Foundation
import Testing
@testable import ConvKit

/// End-to-end tests of `convkit compare` and `convkit summary --rewrite/--emit-spec/--batch`.
@Suite struct WhatIfCommandLineTests {
    @Test func compareInceptionJSON() throws {
        let result = try CommandLineTests.run(["compare", "inception-naive", "inception-bottleneck", "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let a = try #require(json["a"] as? [String: Any]), b = try #require(json["b"] as? [String: Any])
        #expect(a["params"] as? Int == 1_089_952 && b["params"] as? Int == 346_720)
        #expect(a["macs"] as? Int == 1_115_684_864 && b["macs"] as? Int == 354_418_688)
        #expect(a["output"] as? [Int] == [672, 32, 32] && b["output"] as? [Int] == [480, 32, 32])
        // 1,089,952 / 346,720 = 3.1436…
        let ratio = try #require((json["ratio"] as? [String: Any])?["params"] as? Double)
        #expect(String(format: "%.2f", ratio) == "3.14")
    }

    @Test func compareTableWithRewriteOnB() throws {
        let result = try CommandLineTests.run(["compare", "alexnet", "alexnet", "--rewrite", "no-groups"])
        #expect(result.status == 0)
        // 62,378,344 − 60,965,224 = +1,413,120; 60,965,224 / 62,378,344 = 0.977…
        let params = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("Params") })
        #expect(params.contains("60,965,224") && params.contains("62,378,344") && params.contains("+1,413,120") && params.hasSuffix("0.98"))
    }

    @Test func rewriteThatDoesNotApplySaysSo() throws {
        let result = try CommandLineTests.run(["summary", Repository.path("examples/single-conv.yaml"), "--rewrite", "factorize-3x3"])
        #expect(result.status == 0)
        #expect(result.stderr == "note: rewrite 'factorize-3x3' does not apply to single-conv: no convolution has an odd square kernel k ≥ 5 with stride 1 and dilation 1; the model is unchanged\n")
        #expect(result.stdout.hasPrefix("single-conv — input 10×48×64, output 20×46×62"))
        #expect(result.stdout.contains("Total          20×46×62"))
    }

    @Test func factorizeSpecEndToEnd() throws {
        let result = try CommandLineTests.run(["summary", Repository.path("examples/conv5x5.yaml"), "--rewrite", "factorize-3x3", "--format", "csv"])
        #expect(result.status == 0)
        // 256·48·9 = 110,592 and 256·256·9 = 589,824 weights, receptive fields 3 then 5;
        // conv_b MACs 27·27·256 = 186,624 units · 2,304 = 429,981,696.
        #expect(result.stdout.contains("conv_a,Conv2d,256x27x27,186624,110592,0,110592,"))
        #expect(result.stdout.contains("conv_b,Conv2d,256x27x27,186624,589824,0,589824,429981696,429981696,746496,2359296,5,1"))
    }

    @Test func emittedSpecReadsBack() throws {
        let emitted = try CommandLineTests.run(["summary", "lenet5", "--rewrite", "width=0.5", "--emit-spec"])
        #expect(emitted.status == 0)
        #expect(emitted.stdout.contains("name: \"lenet5+width=0.5\""))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-emit-\(UUID().uuidString).yaml")
        try Data(emitted.stdout.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let read = try CommandLineTests.run(["summary", file.path, "--format", "json"])
        #expect(read.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        // The width=0.5 LeNet-5: 228 + 608 + 12,060 + 2,562 + 430 = 15,888 params.
        #expect((json["total"] as? [String: Any])?["params"] as? Int == 15_888)
        #expect(json["model"] as? String == "lenet5+width=0.5")
    }

    @Test func batchEstimate() throws {
        let result = try CommandLineTests.run(["summary", "lenet5", "--batch", "64", "--optimizer", "adam"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Training memory at batch 64 with Adam — an estimate"))
        // 786,432 + 3,840,512 + 4·248,024 = 5,619,040.
        #expect(result.stdout.contains("5,619,040"))
    }

    static let badCalls: [CommandLineTests.BadCall] = [
        .init(arguments: ["summary", "lenet5", "--rewrite", "shrink"], message: "invalid value for --rewrite: unknown rewrite 'shrink' (valid rewrites: factorize-3x3, bottleneck=N, width=F, global-pool-head, no-groups)"),
        .init(arguments: ["summary", "lenet5", "--rewrite", "width=0"], message: "invalid value for --rewrite: width needs a positive factor"),
        .init(arguments: ["summary", "lenet5", "--rewrite", "bottleneck"], message: "bottleneck needs a positive channel count"),
        .init(arguments: ["summary", "lenet5", "--rewrite", "no-groups=2"], message: "'no-groups' takes no argument"),
        .init(arguments: ["compare", "lenet5", "lenet5", "--rewrite", "wider"], message: "unknown rewrite 'wider'"),
        .init(arguments: ["compare", "lenet5", "resnet9000"], message: "unknown model 'resnet9000'"),
        .init(arguments: ["compare", "lenet5"], message: "Missing expected argument '<b>'"),
        .init(arguments: ["summary", "lenet5", "--batch", "0"], message: "invalid value for --batch: must be at least 1"),
        .init(arguments: ["summary", "lenet5", "--optimizer", "adam"], message: "invalid value for --optimizer"),
        .init(arguments: ["summary", "lenet5", "--emit-spec", "--format", "json"], message: "invalid value for --emit-spec"),
    ]

    @Test(arguments: badCalls)
    func badInputGivesOneErrorLine(call: CommandLineTests.BadCall) throws {
        let result = try CommandLineTests.run(call.arguments)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(call.message), "\(result.stderr)")
    }
}
