import Testing
@testable import ConvKit

/// Golden numbers of the zoo models, read from `convkit summary … --format json`.
/// Each expected value carries its arithmetic.
@Suite struct ZooGoldenTests {
    struct AlexNetRow: Sendable, CustomTestStringConvertible {
        let name: String, output: [Int], units: Int, weights: Int, macs: Int
        var testDescription: String { name }
    }

    // Two-GPU AlexNet on 3×227×227. weights = out·(in/groups)·k·k; MACs = units·(in/groups)·k·k.
    static let alexnetRows: [AlexNetRow] = [
        // 55·55·96 = 290,400; 96·3·11·11 = 34,848; 290,400·363 = 105,415,200
        AlexNetRow(name: "conv1", output: [96, 55, 55], units: 290_400, weights: 34_848, macs: 105_415_200),
        // 27·27·256 = 186,624; 256·(96/2)·5·5 = 307,200; 186,624·1,200 = 223,948,800
        AlexNetRow(name: "conv2", output: [256, 27, 27], units: 186_624, weights: 307_200, macs: 223_948_800),
        // 13·13·384 = 64,896; 384·256·3·3 = 884,736; 64,896·2,304 = 149,520,384
        AlexNetRow(name: "conv3", output: [384, 13, 13], units: 64_896, weights: 884_736, macs: 149_520_384),
        // 384·(384/2)·3·3 = 663,552; 64,896·1,728 = 112,140,288
        AlexNetRow(name: "conv4", output: [384, 13, 13], units: 64_896, weights: 663_552, macs: 112_140_288),
        // 13·13·256 = 43,264; 256·(384/2)·3·3 = 442,368; 43,264·1,728 = 74,760,192
        AlexNetRow(name: "conv5", output: [256, 13, 13], units: 43_264, weights: 442_368, macs: 74_760_192),
        // 4096·(256·6·6) = 4096·9216 = 37,748,736
        AlexNetRow(name: "fc6", output: [4096], units: 4_096, weights: 37_748_736, macs: 37_748_736),
        // 4096·4096 = 16,777,216
        AlexNetRow(name: "fc7", output: [4096], units: 4_096, weights: 16_777_216, macs: 16_777_216),
        // 1000·4096 = 4,096,000
        AlexNetRow(name: "fc8", output: [1000], units: 1_000, weights: 4_096_000, macs: 4_096_000),
    ]

    @Test(arguments: alexnetRows)
    func alexnet(row: AlexNetRow) throws {
        let rows = try rowsByName(try summaryJSON("alexnet"))
        let json = try #require(rows[row.name])
        #expect(json["output"] as? [Int] == row.output)
        #expect(json["units"] as? Int == row.units)
        #expect(json["weights"] as? Int == row.weights)
        #expect(json["macs"] as? Int == row.macs)
    }

    @Test func alexnetTotals() throws {
        let total = try #require(try summaryJSON("alexnet")["total"] as? [String: Any])
        // weights 60,954,656 + biases (96+256+384+384+256+4096+4096+1000 = 10,568) = 60,965,224,
        // the parameter count of the two-GPU AlexNet.
        #expect(total["params"] as? Int == 60_965_224)
        #expect(total["biases"] as? Int == 10_568)
        // Sum of the eight MAC rows above.
        #expect(total["macs"] as? Int == 105_415_200 + 223_948_800 + 149_520_384 + 112_140_288 + 74_760_192
                + 37_748_736 + 16_777_216 + 4_096_000)
    }

    @Test func alexnetTorchvision() throws {
        let json = try summaryJSON("alexnet-torchvision")
        let total = try #require(json["total"] as? [String: Any])
        // torchvision's AlexNet: 23,296 + 307,392 + 663,936 + 884,992 + 590,080
        // + 37,752,832 + 16,781,312 + 4,097,000 = 61,100,840 parameters.
        #expect(total["params"] as? Int == 61_100_840)
        let rows = try rowsByName(json)
        // conv1: ⌊(224 + 2·2 − 11)/4⌋ + 1 = 55; 55·55·64 = 193,600 units; ·3·11·11 = 70,276,800 MACs.
        #expect(rows["features.0"]?["output"] as? [Int] == [64, 55, 55])
        #expect(rows["features.0"]?["macs"] as? Int == 70_276_800)
        #expect(rows["avgpool"]?["output"] as? [Int] == [256, 6, 6])
        // Fully connected MACs: 9216·4096 + 4096·4096 + 4096·1000 = 58,621,952.
        let fc = ["classifier.1", "classifier.4", "classifier.6"].compactMap { rows[$0]?["macs"] as? Int }.reduce(0, +)
        #expect(fc == 58_621_952)
    }

    @Test func lenet5() throws {
        let total = try #require(try summaryJSON("lenet5")["total"] as? [String: Any])
        // params: conv1 6·3·25+6 = 456; conv2 16·6·25+16 = 2,416; fc1 400·120+120 = 48,120;
        // fc2 120·84+84 = 10,164; fc3 84·10+10 = 850 → 62,006.
        #expect(total["params"] as? Int == 62_006)
        // MACs: 28·28·6·75 = 352,800; 10·10·16·150 = 240,000; 48,000 + 10,080 + 840 → 651,720.
        #expect(total["macs"] as? Int == 651_720)
    }

    @Test func inceptionNaive() throws {
        let json = try summaryJSON("inception-naive")
        // 128 + 192 + 96 + 256 (pool keeps its channels) = 672.
        #expect(json["output"] as? [Int] == [672, 32, 32])
        let total = try #require(json["total"] as? [String: Any])
        // 256·128 + 128 = 32,896; 256·192·9 + 192 = 442,560; 256·96·25 + 96 = 614,496 → 1,089,952.
        #expect(total["params"] as? Int == 1_089_952)
        // 32·32·(32,768 + 442,368 + 614,400) = 1,024·1,089,536 = 1,115,684,864.
        #expect(total["macs"] as? Int == 1_115_684_864)
        let rows = try #require(json["layers"] as? [[String: Any]])
        #expect(rows.last?["kind"] as? String == "Concat")
        #expect(rows.last?["output"] as? [Int] == [672, 32, 32])
    }

    @Test func inceptionBottleneck() throws {
        let json = try summaryJSON("inception-bottleneck")
        #expect(json["output"] as? [Int] == [480, 32, 32])  // 128 + 192 + 96 + 64
        let total = try #require(json["total"] as? [String: Any])
        // 32,896 + 3·(256·64 + 64 = 16,448) + (64·192·9 + 192 = 110,784) + (64·96·25 + 96 = 153,696) = 346,720.
        #expect(total["params"] as? Int == 346_720)
        // 1,024·(32,768 + 3·16,384 + 110,592 + 153,600) = 1,024·346,112 = 354,418,688.
        #expect(total["macs"] as? Int == 354_418_688)
        let rows = try rowsByName(json)
        #expect(rows["branch2.reduce"]?["params"] as? Int == 16_448)
    }

    struct LeNetRow: Sendable, CustomTestStringConvertible {
        let name: String, params: Int, connections: Int
        var testDescription: String { name }
    }

    // LeCun et al. 1998, section II.B.
    static let lenetRows: [LeNetRow] = [
        // 6·(25 + 1) = 156; 28·28·6 = 4,704 units · (25 + 1) = 122,304
        LeNetRow(name: "C1", params: 156, connections: 122_304),
        // 6 coefficients + 6 biases = 12; 14·14·6 = 1,176 units · (4 + 1) = 5,880
        LeNetRow(name: "S2", params: 12, connections: 5_880),
        // 60 table links·25 + 16 = 1,516; 10·10 · 1,516 = 151,600
        LeNetRow(name: "C3", params: 1_516, connections: 151_600),
        // 16 + 16 = 32; 5·5·16 = 400 units · 5 = 2,000
        LeNetRow(name: "S4", params: 32, connections: 2_000),
        // 120·(16·25 + 1) = 48,120; 1·1 units per map, so connections = params
        LeNetRow(name: "C5", params: 48_120, connections: 48_120),
        // 84·(120 + 1) = 10,164
        LeNetRow(name: "F6", params: 10_164, connections: 10_164),
    ]

    @Test(arguments: lenetRows)
    func lenet1998(row: LeNetRow) throws {
        let rows = try rowsByName(try summaryJSON("lenet5-1998"))
        let json = try #require(rows[row.name])
        #expect(json["params"] as? Int == row.params)
        #expect(json["connections"] as? Int == row.connections)
    }

    @Test func lenet1998Totals() throws {
        let total = try #require(try summaryJSON("lenet5-1998")["total"] as? [String: Any])
        // 122,304 + 5,880 + 151,600 + 2,000 + 48,120 + 10,164 + 840 (RBF output) = 340,908,
        // the paper's connection count.
        #expect(total["connections"] as? Int == 340_908)
    }

    @Test func vgg16() throws {
        let json = try summaryJSON("vgg16")
        let total = try #require(json["total"] as? [String: Any])
        // Conv weights 64·3·9 + 64·64·9 + 128·64·9 + 128·128·9 + 256·128·9 + 2·256·256·9
        // + 512·256·9 + 5·512·512·9 = 14,710,464, + 4,224 biases = 14,714,688; FC 102,764,544
        // + 16,781,312 + 4,097,000 = 123,642,856 → 138,357,544 (torchvision's count).
        #expect(total["params"] as? Int == 138_357_544)
        // Conv MACs per block (H·W·Cout·Cin·9): 224²·64·(3+64)·9 + 112²·128·(64+128)·9
        // + 56²·256·(128+256+256)·9 + 28²·512·(256+512+512)·9 + 14²·512·(3·512)·9
        // = 1,936,392,192 + 2,774,532,096 + 4,624,220,160 + 4,624,220,160 + 1,387,266,048
        // = 15,346,630,656; FC 25,088·4,096 + 4,096² + 4,096·1,000 = 123,633,664 → 15,470,264,320.
        #expect(total["macs"] as? Int == 15_470_264_320)
        #expect(json["output"] as? [Int] == [1000])
    }

    @Test func everyZooModelAnalyses() throws {
        for name in Zoo.names {
            let summary = try Summary(try #require(Zoo.model(named: name)))
            #expect(!summary.rows.isEmpty, "\(name)")
            #expect(summary.totals.params == summary.totals.weights + summary.totals.biases, "\(name)")
        }
    }
}
