import Testing
@testable import ConvKit

/// Rewrites as architecture → architecture transformations, checked on the summaries of the
/// rewritten models. Golden values carry their arithmetic.
@Suite struct RewriteTests {
    /// The rewritten zoo model or spec and its summary.
    func rewritten(_ model: String, _ rewrites: String...) throws -> (RewriteResult?, Summary) {
        var architecture = try ModelSource.resolve(model)
        var last: RewriteResult?
        for text in rewrites {
            last = try Rewrite(parsing: text).apply(to: architecture)
            architecture = try #require(last).architecture
        }
        return (last, try Summary(architecture))
    }

    func row(_ summary: Summary, _ name: String) throws -> SummaryRow {
        try #require(summary.rows.first { $0.name == name }, "no row \(name)")
    }

    // MARK: parsing

    @Test(arguments: [("factorize-3x3", Rewrite.factorize3x3), ("bottleneck=64", .bottleneck(channels: 64)),
                      ("width=0.5", .width(factor: 0.5)), ("global-pool-head", .globalPoolHead), ("no-groups", .noGroups),
                      (" Width=2 ", .width(factor: 2))])
    func parses(text: String, expected: Rewrite) throws {
        #expect(try Rewrite(parsing: text) == expected)
    }

    @Test func descriptionIsTheSyntax() {
        #expect(Rewrite.width(factor: 0.5).description == "width=0.5")
        #expect(Rewrite.width(factor: 2).description == "width=2")
        #expect(Rewrite.bottleneck(channels: 64).description == "bottleneck=64")
    }

    @Test(arguments: ["bogus", "width", "width=0", "width=-1", "width=abc", "width=inf", "bottleneck", "bottleneck=0",
                      "bottleneck=2.5", "no-groups=2", "factorize-3x3=5", ""])
    func badRewritesListTheValidOnes(text: String) throws {
        let error = expectConvKitError { _ = try Rewrite(parsing: text) }
        guard case let .invalidArgument(name, reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(name == "--rewrite")
        #expect(reason.contains("valid rewrites: factorize-3x3, bottleneck=N, width=F, global-pool-head, no-groups"))
    }

    // MARK: width=F

    @Test func widthRounding() {
        #expect(Rewrite.scaledCount(6, factor: 0.5) == 3)      // 6·0.5 = 3
        #expect(Rewrite.scaledCount(5, factor: 0.5) == 3)      // 2.5 rounds away from zero to 3
        #expect(Rewrite.scaledCount(3, factor: 0.5) == 2)      // 1.5 → 2
        #expect(Rewrite.scaledCount(1, factor: 0.1) == 1)      // 0.1 → 0, at least 1
        #expect(Rewrite.scaledCount(84, factor: 1.5) == 126)   // 84·1.5 = 126
        #expect(Rewrite.scaledCount(96, factor: 0.3, multiple: 2) == 28)  // 28.8/2 = 14.4 → 14, ·2 = 28
        #expect(Rewrite.scaledCount(10, factor: 0.01, multiple: 4) == 4)  // at least one multiple
    }

    @Test func widthHalfLeNet5IsExact() throws {
        let (result, s) = try rewritten("lenet5", "width=0.5")
        #expect(result?.changed == true)
        #expect(s.model == "lenet5+width=0.5")
        #expect(s.input == [3, 32, 32])
        #expect(s.output == [10])
        let conv1 = try row(s, "conv1"), conv2 = try row(s, "conv2")
        #expect(conv1.input == [3, 32, 32] && conv1.output == [3, 28, 28])  // 6·0.5 = 3 channels
        #expect(conv2.input == [3, 14, 14] && conv2.output == [8, 10, 10])  // 16·0.5 = 8 channels
        #expect(try row(s, "flatten").output == [200])                     // 8·5·5 = 200
        #expect(try row(s, "fc1").input == [200] && row(s, "fc1").output == [60])  // 120·0.5 = 60
        #expect(try row(s, "fc2").input == [60] && row(s, "fc2").output == [42])   // 84·0.5 = 42
        #expect(try row(s, "fc3").input == [42] && row(s, "fc3").output == [10])   // the 10 classes stay
        // conv1 3·3·5·5 + 3 = 228; conv2 8·3·5·5 + 8 = 608; fc1 200·60 + 60 = 12,060;
        // fc2 60·42 + 42 = 2,562; fc3 42·10 + 10 = 430.
        #expect([conv1, conv2, try row(s, "fc1"), try row(s, "fc2"), try row(s, "fc3")].map(\.cost.params) == [228, 608, 12_060, 2_562, 430])
        // 228 + 608 + 12,060 + 2,562 + 430 = 15,888 (vs 62,006 for lenet5).
        #expect(s.totals.params == 15_888)
        // MACs: 28·28·3·(3·25) = 176,400; 10·10·8·(3·25) = 60,000; 12,000 + 2,520 + 420 → 251,340.
        #expect(s.totals.macs == 176_400 + 60_000 + 12_000 + 2_520 + 420)
    }

    @Test func widthKeepsInceptionOutputsPinned() throws {
        // Every convolution of the naive module ends a branch that is the output: nothing is hidden.
        let (naive, _) = try rewritten("inception-naive", "width=0.5")
        #expect(naive?.changed == false)
        #expect(naive?.note(model: "inception-naive")?.contains("does not apply") == true)
        // With bottlenecks, the two 1×1 reductions are hidden: 64 → 32; the output stays 480×32×32.
        let (_, s) = try rewritten("inception-bottleneck", "width=0.5")
        #expect(s.output == [480, 32, 32])
        #expect(try row(s, "branch2.reduce").output == [32, 32, 32])
        #expect(try row(s, "branch3.reduce").output == [32, 32, 32])
        #expect(try row(s, "branch4.proj").output == [64, 32, 32])
        // branch2.conv3x3 now reads 32 channels: 192·32·3·3 + 192 = 55,488.
        #expect(try row(s, "branch2.conv3x3").cost.params == 55_488)
    }

    @Test func widthRoundsGroupedChannelsToMultiples() throws {
        let (_, s) = try rewritten("alexnet", "width=0.3")
        // conv1 feeds conv2 (groups 2): 96·0.3 = 28.8 → 28.8/2 = 14.4 → 14 → 28 channels.
        #expect(try row(s, "conv1").output == [28, 55, 55])
        // conv3 feeds conv4 (groups 2): 384·0.3 = 115.2 → 57.6 → 58 → 116.
        #expect(try row(s, "conv3").output == [116, 13, 13])
        for name in ["conv2", "conv4", "conv5"] {
            let r = try row(s, name)
            #expect(r.input.dimensions[0] % 2 == 0 && r.output.dimensions[0] % 2 == 0, "\(name)")
        }
        #expect(s.output == [1000])
    }

    @Test func widthPinsConnectionTables() throws {
        let (result, s) = try rewritten("lenet5-1998", "width=0.5")
        #expect(result?.changed == true)
        // C3's table names C1's 6 maps: C1 and C3 keep their sizes; C5 120 → 60, F6 84 → 42.
        #expect(try row(s, "C1").output == [6, 28, 28])
        #expect(try row(s, "C3").cost.params == 1_516)
        #expect(try row(s, "C5").output == [60, 1, 1])
        #expect(try row(s, "F6").input == [60] && row(s, "F6").output == [42])
        #expect(s.output == [10])
    }

    @Test func widthScalesDepthwiseConvolutionsWithTheirInput() throws {
        let spec = """
        input: [3, 16, 16]
        layers:
          - {type: conv2d, name: stem, out_channels: 32, kernel_size: 3, padding: 1}
          - {type: batchnorm2d, num_features: 32}
          - relu
          - {type: conv2d, name: dw, in_channels: 32, out_channels: 64, kernel_size: 3, padding: 1, groups: 32}
          - {type: conv2d, name: pw, out_channels: 64, kernel_size: 1}
          - {type: adaptiveavgpool2d, output_size: 1}
          - flatten
          - {type: linear, name: head, out_features: 10}
        """
        let result = try Rewrite.width(factor: 0.5).apply(to: try ModelSpec.parse(yaml: spec))
        let s = try Summary(result.architecture)
        // stem 32 → 16; dw (depth multiplier 64/32 = 2) follows: groups 16, 16·2 = 32 outputs; pw 64 → 32.
        #expect(try row(s, "stem").output == [16, 16, 16])
        #expect(try row(s, "bn1").cost.params == 32)  // γ and β for 16 channels
        #expect(try row(s, "dw").output == [32, 16, 16])
        // dw weights: 32·(16/16)·3·3 = 288.
        #expect(try row(s, "dw").cost.weights.value == 288)
        #expect(try row(s, "pw").output == [32, 16, 16])
        #expect(try row(s, "head").input == [32])
    }

    @Test func widthOneChangesNothing() throws {
        let (result, s) = try rewritten("lenet5", "width=1")
        #expect(result?.changed == false)
        #expect(s.model == "lenet5")
        #expect(s.totals.params == 62_006)
    }

    // MARK: factorize-3x3

    @Test func factorizeFiveByFiveGivesTwoThreeByThrees() throws {
        let (result, s) = try rewritten(Repository.path("examples/conv5x5.yaml"), "factorize-3x3")
        #expect(result?.changes == ["conv 5×5 → conv_a, conv_b (3×3)"])
        #expect(s.rows.map(\.name) == ["conv_a", "conv_a_relu", "conv_b"])
        let a = try row(s, "conv_a"), b = try row(s, "conv_b")
        // 256·48·3·3 = 110,592 and 256·256·3·3 = 589,824 (no bias), vs 256·48·5·5 = 307,200.
        #expect(a.input == [48, 27, 27] && a.cost.weights.value == 110_592 && a.cost.biases.value == 0)
        #expect(b.input == [256, 27, 27] && b.cost.weights.value == 589_824 && b.cost.biases.value == 0)
        // Same output (27 + 2·1 − 3 + 1 = 27, twice) and receptive field 1 + 2 + 2 = 5.
        #expect(s.output == [256, 27, 27])
        #expect(s.field.size == (5, 5) && s.field.jump == (1, 1))
        let original = try Summary(try ModelSource.resolve(Repository.path("examples/conv5x5.yaml")))
        #expect(original.totals.weights == 307_200)
        #expect(original.field.size == (5, 5))
    }

    @Test func narrowThreeByThreeStackSpec() throws {
        let s = try Summary(try ModelSource.resolve(Repository.path("examples/two-3x3.yaml")))
        // 48·48·3·3 = 20,736 and 256·48·3·3 = 110,592: 131,328 weights for the same 5×5 field.
        #expect(try row(s, "conv_a").cost.weights.value == 20_736)
        #expect(try row(s, "conv_b").cost.weights.value == 110_592)
        #expect(s.totals.weights == 131_328)
        #expect(s.output == [256, 27, 27])
        #expect(s.field.size == (5, 5))
    }

    @Test(arguments: [(Padding.explicit(Size2(3)), 3, [Padding.explicit(Size2(1)), .explicit(Size2(1)), .explicit(Size2(1))]),
                      (.explicit(Size2(2)), 3, [.explicit(Size2(1)), .explicit(Size2(1)), .explicit(Size2(0))]),
                      (.explicit(Size2(2, 0)), 2, [.explicit(Size2(1, 0)), .explicit(Size2(1, 0))]),
                      (.explicit(Size2(5)), 2, [.explicit(Size2(3)), .explicit(Size2(2))]),
                      (.same, 2, [.same, .same]), (.valid, 2, [.valid, .valid])])
    func factorizeSharesPadding(padding: Padding, count: Int, expected: [Padding]) {
        #expect(Factorize3x3.paddings(padding, count: count) == expected)
    }

    @Test(arguments: [0, 1, 2, 3, 4])
    func factorizeSevenBySevenKeepsShapeAndField(padding: Int) throws {
        let spec = "input: [4, 20, 20]\nlayers:\n  - {type: conv2d, name: c, out_channels: 8, kernel_size: 7, padding: \(padding)}\n  - tanh\n"
        let original = try ModelSpec.parse(yaml: spec)
        let result = try Rewrite.factorize3x3.apply(to: original)
        let (before, after) = (try Summary(original), try Summary(result.architecture))
        // 7 → three 3×3 layers; the activation between them is the Tanh that follows c.
        #expect(after.rows.map(\.kind) == ["Conv2d", "Tanh", "Conv2d", "Tanh", "Conv2d", "Tanh"])
        #expect(after.rows.map(\.name) == ["c_a", "c_a_tanh", "c_b", "c_b_tanh", "c_c", "tanh1"])
        #expect(after.output == before.output)
        #expect(after.field == before.field && after.field.size == (7, 7))
        // 8·4·9 + 8·8·9 + 8·8·9 = 288 + 576 + 576 = 1,440 weights (vs 8·4·49 = 1,568).
        #expect(after.totals.weights == 1_440)
    }

    @Test func factorizeSkipsStridedAndSmallKernels() throws {
        // alexnet: conv1 11×11 has stride 4 (kept); conv2 5×5 stride 1 is factorized.
        let (result, s) = try rewritten("alexnet", "factorize-3x3")
        #expect(result?.changes.count == 1)
        #expect(try row(s, "conv1").cost.weights.value == 34_848)
        // conv2_a: 256·(96/2)·9 = 110,592; conv2_b: 256·(256/2)·9 = 294,912 (groups kept).
        #expect(try row(s, "conv2_a").cost.weights.value == 110_592)
        #expect(try row(s, "conv2_b").cost.weights.value == 294_912)
        #expect(s.output == [1000])
        #expect(s.field.size == (355, 355))
    }

    @Test func factorizeDoesNotApplyToVGG() throws {
        let (result, s) = try rewritten("vgg16", "factorize-3x3")
        #expect(result?.changed == false)
        #expect(s.model == "vgg16")
        #expect(s.totals.params == 138_357_544)
        let note = try #require(result?.note(model: "vgg16"))
        #expect(note == "rewrite 'factorize-3x3' does not apply to vgg16: no convolution has an odd square kernel k ≥ 5 with stride 1 and dilation 1; the model is unchanged")
    }

    // MARK: bottleneck=N

    @Test func bottleneckTurnsNaiveInceptionIntoReducedOne() throws {
        let (result, s) = try rewritten("inception-naive", "bottleneck=64")
        #expect(result?.changes.count == 2)
        let names = s.rows.map(\.name)
        #expect(names.contains("branch2.conv3x3_reduce") && names.contains("branch3.conv5x5_reduce_relu"))
        // reduce: 64·256 + 64 = 16,448; conv3x3: 192·64·9 + 192 = 110,784; conv5x5: 96·64·25 + 96 = 153,696;
        // conv1x1 128·256 + 128 = 32,896. Total 32,896 + 2·16,448 + 110,784 + 153,696 = 330,272
        // (the zoo's bottleneck module adds the pool projection, 16,448 more: 346,720).
        #expect(try row(s, "branch2.conv3x3").cost.params == 110_784)
        #expect(s.totals.params == 330_272)
        // The pool branch still passes 256 channels: 128 + 192 + 96 + 256 = 672.
        #expect(s.output == [672, 32, 32])
        // Applying it again changes nothing: the 3×3 and 5×5 now read 64 channels.
        let again = try Rewrite.bottleneck(channels: 64).apply(to: try #require(result).architecture)
        #expect(again.changed == false)
    }

    @Test func bottleneckSkipsGroupsThatDoNotDivide() throws {
        // alexnet: conv2/4/5 have groups 2, which does not divide 63; conv3 (256 inputs) gets a reduction.
        let (result, s) = try rewritten("alexnet", "bottleneck=63")
        let changes = try #require(result?.changes)
        #expect(changes.first == "conv3_reduce 1×1 256→63 before conv3 (3×3)")
        #expect(changes.last?.hasPrefix("skipped conv2 (groups=2 does not divide 63)") == true)
        // conv3 now reads 63 channels: 384·63·9 = 217,728 weights.
        #expect(try row(s, "conv3").cost.weights.value == 217_728)
        #expect(try row(s, "conv3_reduce").output == [63, 13, 13])
    }

    // MARK: no-groups, global-pool-head

    @Test func noGroupsAlexNet() throws {
        let (result, s) = try rewritten("alexnet", "no-groups")
        #expect(result?.changes == ["conv2 groups 2 → 1", "conv4 groups 2 → 1", "conv5 groups 2 → 1"])
        // Ungrouped, conv2/4/5 read all input channels: +256·48·25 = 307,200, +384·192·9 = 663,552,
        // +256·192·9 = 442,368 weights: 60,965,224 + 1,413,120 = 62,378,344.
        #expect(s.totals.params == 62_378_344)
        #expect(try row(s, "conv2").cost.weights.value == 614_400)  // 256·96·5·5
        let (none, _) = try rewritten("lenet5", "no-groups")
        #expect(none?.changed == false)
    }

    @Test func globalPoolHeadOnTorchvisionAlexNet() throws {
        let before = try Summary(try #require(Zoo.model(named: "alexnet-torchvision")))
        let (result, s) = try rewritten("alexnet-torchvision", "global-pool-head")
        #expect(result?.changed == true)
        // The classifier's MACs: 9,216·4,096 + 4,096·4,096 + 4,096·1,000
        // = 37,748,736 + 16,777,216 + 4,096,000 = 58,621,952.
        let removed = before.rows.filter { $0.name.hasPrefix("classifier.") }.reduce(0) { $0 + $1.cost.macs.value }
        #expect(removed == 58_621_952)
        let fc = try row(s, "fc")
        #expect(fc.kind == "Linear" && fc.input == [256] && fc.output == [1000])
        #expect(fc.cost.macs.value == 256_000)  // 256·1,000
        #expect(try row(s, "gap").output == [256, 1, 1])
        #expect(!s.rows.contains { $0.name.hasPrefix("classifier") || $0.name == "avgpool" })
        // 714,188,480 − 58,621,952 + 256,000 = 655,822,528.
        #expect(before.totals.macs == 714_188_480)
        #expect(s.totals.macs == 655_822_528)
        #expect(s.output == [1000])
        // Already a global-pool head: a second application does not apply.
        let again = try Rewrite.globalPoolHead.apply(to: try #require(result).architecture)
        #expect(again.changed == false)
        #expect(again.reasonUnchanged == "it already ends in global pooling and one linear layer")
    }

    @Test func globalPoolHeadOnLeNet5AndWhereItCannotApply() throws {
        let (_, s) = try rewritten("lenet5", "global-pool-head")
        // gap over 16×5×5, then Linear 16→10: 16·10 + 10 = 170 params; convs 456 + 2,416.
        #expect(s.rows.suffix(3).map(\.name) == ["gap", "flatten", "fc"])
        #expect(s.totals.params == 456 + 2_416 + 170)
        let (naive, _) = try rewritten("inception-naive", "global-pool-head")
        #expect(naive?.changed == false)
    }

    @Test func rewritesCompose() throws {
        let (_, s) = try rewritten("alexnet", "no-groups", "width=0.5")
        #expect(s.model == "alexnet+no-groups+width=0.5")
        // conv2 ungrouped at half width: 128·48·5·5 = 153,600 weights.
        #expect(try row(s, "conv2").cost.weights.value == 153_600)
        #expect(s.output == [1000])
        let (architecture, notes) = try Rewrite.apply([.factorize3x3, .noGroups], to: try #require(Zoo.model(named: "vgg16")))
        // Neither applies to VGG-16 (no 5×5 or larger kernels, no groups): one note each.
        #expect(notes.count == 2)
        #expect(notes.first?.contains("'factorize-3x3' does not apply to vgg16") == true)
        #expect(notes.last?.contains("'no-groups' does not apply to vgg16: no convolution is grouped") == true)
        #expect(architecture.name == "vgg16")
    }
}
