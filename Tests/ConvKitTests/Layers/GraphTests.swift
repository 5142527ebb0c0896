import Testing
@testable import ConvKit

/// Graph models: layers that name their inputs, `Add`, `Residual`, merges in summaries,
/// training through branches, and the errors a bad graph gives.
@Suite struct GraphTests {
    /// The example spec, built in Swift (the YAML form is checked in the spec tests).
    static let example = Architecture(name: "example", input: [16, 8, 8], body: [
        Conv2d("a", 16, 16, kernel: 3, padding: 1, bias: false), ReLU("r"),
        Conv2d("b", 16, 16, kernel: 3, padding: 1, bias: false), Add("sum"),
        Residual("block", body: [
            Conv2d("conv1", nil, 32, kernel: 3, stride: 2, padding: 1, bias: false), ReLU("relu1"),
            Conv2d("conv2", nil, 32, kernel: 3, padding: 1, bias: false),
        ], shortcut: [Conv2d("conv1", nil, 32, kernel: 1, stride: 2, bias: false)]),
    ].inputs(["sum": ["b", "input"]]))

    /// params: a, b 16·16·9 = 2,304 each; block conv1 32·16·9 = 4,608, conv2 32·32·9 = 9,216,
    /// shortcut 32·16·1 = 512: 2,304·2 + 4,608 + 9,216 + 512 = 18,944.
    /// MACs: a, b 8·8·2,304 = 147,456 each; conv1 4·4·4,608 = 73,728; conv2 4·4·9,216 = 147,456;
    /// shortcut 4·4·512 = 8,192: 147,456·3 + 73,728 + 8,192 = 524,288.
    /// Output 32×4×4 (stride 2 on 8×8 with padding 1: ⌊(8 + 2 − 3)/2⌋ + 1 = 4).
    /// Receptive field: a 3, b 3 + 2·1 = 5, sum max(5, 1) = 5 (jump 1); body conv1 5 + 2·1 = 7
    /// (jump 2), conv2 7 + 2·2 = 11; shortcut 1×1 stride 2: 5 (jump 2); the sum: max(11, 5) = 11, jump 2.
    @Test func exampleGoldenNumbers() throws {
        let summary = try Summary(Self.example)
        #expect(summary.totals.params == 18_944)
        #expect(summary.totals.macs == 524_288)
        #expect(summary.output == [32, 4, 4])
        #expect(summary.field.largestSize == 11 && summary.field.largestJump == 2)
        let sum = try #require(summary.rows.first { $0.name == "sum" })
        #expect(sum.kind == "Add" && sum.inputs == ["b", "input"] && sum.cost.macs.value == 0)
        // Connections: its inputs' element count, 2 · 16·8·8 = 2,048.
        #expect(sum.cost.connections.value == 2_048)
        #expect(summary.rows.map(\.name) == ["a", "r", "b", "sum", "block.conv1", "block.relu1", "block.conv2",
                                            "block.shortcut.conv1", "block.add"])
        let add = try #require(summary.rows.last)
        #expect(add.inputs == ["block.conv2", "block.shortcut.conv1"] && add.field.largestSize == 11)
        #expect(!summary.isChain)
        #expect(try Summary(try ModelSource.resolve("lenet5")).isChain)
    }

    @Test func badGraphsNameTheLayer() throws {
        func error(_ inputs: [String: [String]], _ layers: [any Layer]? = nil) -> String? {
            let body = layers ?? [Conv2d("a", nil, 4, kernel: 3, padding: 1), Conv2d("b", nil, 4, kernel: 3, padding: 1), Add("sum")]
            return expectConvKitError { _ = try Summary(Architecture(name: "bad", input: [4, 6, 6], body: Sequential(name: "", body, inputs: inputs))) }?.description
        }
        #expect(error(["sum": ["b", "nothing"]])?.contains("sum") == true)
        #expect(error(["sum": ["b", "nothing"]])?.contains("unknown input 'nothing'") == true)
        #expect(error(["a": ["b"], "sum": ["a", "b"]])?.contains("input 'b' is defined later") == true)
        #expect(error(["a": ["b"], "sum": ["a", "b"]])?.hasPrefix("layer 'a': input 'b' is defined later") == true)
        let mismatch = error(["sum": ["b", "input"]], [Conv2d("a", nil, 4, kernel: 3), Conv2d("b", nil, 4, kernel: 3), Add("sum")])
        #expect(mismatch?.contains("sum") == true && mismatch?.contains("identical shape") == true)
        #expect(error([:])?.contains("add needs two or more inputs") == true)
        #expect(error(["ghost": ["a"]])?.contains("ghost") == true)
    }

    /// A tensor read by several layers gets the sum of their gradients; checked by finite differences
    /// (smooth activations: ReLU's kink at 0, and a batch norm over the 12 values of a 2×2 map,
    /// make finite differences of a deep net unreliable).
    static let gradientCases: [Sequential] = [
        Sequential(name: "fork", [Conv2d("a", nil, 3, kernel: 3, padding: 1), Tanh("t"), Conv2d("b", nil, 3, kernel: 1), Add("sum")],
                   inputs: ["sum": ["b", "t", "a"]]),
        Sequential(name: "net", [Conv2d("stem", nil, 4, kernel: 3, padding: 1, bias: false), BatchNorm("bn", .two),
                                 Residual("r1", body: [Conv2d("c1", nil, 4, kernel: 3, padding: 1), Tanh("tanh1"), Conv2d("c2", nil, 4, kernel: 3, padding: 1)],
                                          activation: Tanh("tanh")),
                                 Residual("r2", body: [Conv2d("c1", nil, 6, kernel: 3, stride: 2, padding: 1), Sigmoid("s")],
                                          shortcut: [Conv2d("0", nil, 6, kernel: 1, stride: 2), Tanh("1")], shortcutName: "downsample"),
                                 Flatten("f"), Linear("fc", nil, 3)]),
        Sequential(name: "joined", [Conv2d("a", nil, 2, kernel: 1), Conv2d("b", nil, 3, kernel: 3, padding: 1), Concat(name: "cat", branches: [])],
                   inputs: ["b": ["input"], "cat": ["a", "b", "input"]]),
        // Squeeze-and-excitation: the C×1×1 gate first (torchvision's `scale * input`), then second.
        squeezeExcitation(gateFirst: true),
        squeezeExcitation(gateFirst: false),
        // ShuffleNet v2's unit: split, one chunk through a conv, concat, shuffle.
        Sequential(name: "shuffle", [Conv2d("a", nil, 4, kernel: 1), Tanh("t"), Split("s", chunks: 2), Conv2d("b", nil, 2, kernel: 3, padding: 1),
                                     Tanh("u"), Concat(name: "cat", branches: []), ChannelShuffle("shuffle", groups: 2)],
                   inputs: ["b": ["s.1"], "cat": ["s.0", "u"]]),
        // U-Net's copy-and-crop: the input cropped to a valid conv's output and added to it.
        Sequential(name: "crop", [Conv2d("a", nil, 2, kernel: 3), CenterCrop("c"), Add("sum")], inputs: ["c": ["input", "a"], "sum": ["a", "c"]]),
        Sequential(name: "crop-size", [CenterCrop("c", size: Size2(2, 3)), Conv2d("a", nil, 2, kernel: 1)]),
        // A product of two full-size tensors.
        Sequential(name: "product", [Conv2d("a", nil, 3, kernel: 3, padding: 1), Tanh("t"), Conv2d("b", nil, 3, kernel: 1), Mul("m")],
                   inputs: ["m": ["t", "b"]]),
    ]

    /// conv → tanh → global average → 1×1 conv 4→2 → tanh → 1×1 conv 2→4 → sigmoid, times the tanh's output.
    static func squeezeExcitation(gateFirst: Bool) -> Sequential {
        Sequential(name: "se", [Conv2d("a", nil, 4, kernel: 3, padding: 1), Tanh("t"), AdaptiveAvgPool2d("squeeze", outputSize: Size2(1)),
                                Conv2d("fc1", nil, 2, kernel: 1), Tanh("r"), Conv2d("fc2", nil, 4, kernel: 1), Sigmoid("gate"), Mul("scale")],
                   inputs: ["scale": gateFirst ? ["gate", "t"] : ["t", "gate"]])
    }

    /// Channel shuffle's permutation as torchvision's `x.view(N, g, C/g, H, W).transpose(1, 2)`:
    /// 6 channels in 2 groups → output channels read 0, 3, 1, 4, 2, 5; a split's chunks are named
    /// NAME.k and read by later layers; a shuffle or split that does not divide is an error.
    @Test func shuffleAndSplit() throws {
        #expect(ChannelShuffle.order(channels: 6, groups: 2) == [0, 3, 1, 4, 2, 5])
        #expect(ChannelShuffle.order(channels: 6, groups: 3) == [0, 2, 4, 1, 3, 5])
        let network = try Network(Architecture(name: "s", input: [6, 1, 1], layers: [ChannelShuffle("shuffle", groups: 2)]), seed: 1)
        var context = RunContext(training: false)
        let x = try Tensor(shape: [1, 6, 1, 1], values: [0, 1, 2, 3, 4, 5])
        #expect(try network.forward(x, &context).storage == [0, 3, 1, 4, 2, 5])
        let yaml = """
            input: [4, 3, 3]
            layers:
              - {type: split, name: s, chunks: 2}
              - {type: conv2d, name: b, out_channels: 2, kernel_size: 3, padding: 1, inputs: [s.1]}
              - {type: concat, name: cat, inputs: [s.0, b]}
              - {type: channelshuffle, name: shuffle, groups: 2}
            """
        let model = try ModelSpec.parse(yaml: yaml, file: "unit.yaml")
        let summary = try Summary(model)
        #expect(summary.rows.map(\.name) == ["s.0", "s.1", "b", "cat", "shuffle"])
        #expect(summary.rows.map(\.output) == [[2, 3, 3], [2, 3, 3], [2, 3, 3], [4, 3, 3], [4, 3, 3]])
        #expect(try SpecEmitter.emit(ModelSpec.parse(yaml: try SpecEmitter.emit(model), file: "again.yaml")) == (try SpecEmitter.emit(model)))
        #expect(throws: ConvKitError.self) { try Summary(Architecture(name: "bad", input: [5, 2, 2], layers: [ChannelShuffle("x", groups: 2)])) }
        #expect(throws: ConvKitError.self) { try Summary(Architecture(name: "bad", input: [5, 2, 2], layers: [Split("x", chunks: 2)])) }
    }

    /// Crop offsets as torchvision's `int(round(margin / 2))` (halves to even): margins 8 → 4,
    /// 5 → 2 (2.5 rounds to 2), 7 → 4 (3.5 rounds to 4), 1 → 0, 3 → 2. U-Net's first crop, 64 → 56:
    /// rows 4 ..< 60. The crop's field is x's alone; its reference is not read.
    @Test func centerCropOffsetsFieldAndPositions() throws {
        #expect([8, 5, 7, 1, 3, 0].map { CenterCrop.offset(margin: $0) } == [4, 2, 4, 0, 2, 0])
        let crop = CenterCrop("crop")
        #expect(try crop.outputShape(for: [[64, 64, 64], [128, 56, 56]], path: "crop") == [64, 56, 56])
        #expect(crop.shapeFormula(inputs: [[64, 64, 64], [128, 56, 56]], output: [64, 56, 56]).first?.hasPrefix("rows 4 ..< 60, columns 4 ..< 60") == true)
        #expect(throws: ConvKitError.self) { try crop.outputShape(for: [[2, 4, 4], [2, 5, 4]], path: "crop") }
        #expect(throws: ConvKitError.self) { try crop.outputShape(for: [[2, 4, 4]], path: "crop") }
        // input 1×6×6 → conv 5×5 (field 5) ; the crop of the input to 2×2 has field 1, and reads (2, 2).
        let body = Sequential(name: "", [Conv2d("big", nil, 1, kernel: 5), CenterCrop("c")], inputs: ["c": ["input", "big"]])
        let model = Architecture(name: "crop", input: [1, 6, 6], body: body)
        let row = try #require(try Summary(model).rows.last)
        #expect(row.output == [1, 2, 2] && row.field.size.height == 1)
        let map = try ReceptiveFieldMap(model, layer: "c", at: (0, 0))
        #expect(map.inputMask.count == 1 && map.inputMask[2, 2])
    }

    /// A broadcast product: shape, cost, and positions (every output position reads the gate's one
    /// pixel, so one output pixel of `scale` sees the whole 4×4 input through the squeeze).
    @Test func squeezeExcitationShapesCostsAndPositions() throws {
        let model = Architecture(name: "se", input: [2, 4, 4], body: Self.squeezeExcitation(gateFirst: true))
        let summary = try Summary(model)
        let row = try #require(summary.rows.last)
        #expect(row.kind == "Mul" && row.output == [4, 4, 4])
        // units 4·4·4 = 64, connections 2·64 = 128, no parameters and no MACs.
        #expect(row.cost.units.value == 64 && row.cost.connections.value == 128 && row.cost.macs.value == 0 && row.cost.params == 0)
        let map = try ReceptiveFieldMap(model, layer: "scale", at: (0, 0))
        #expect(map.inputMask.count == 16)
        let bad = Sequential(name: "", [Conv2d("a", nil, 4, kernel: 3), AdaptiveAvgPool2d("g", outputSize: Size2(1)), Conv2d("b", nil, 3, kernel: 1), Mul("m")],
                             inputs: ["m": ["b", "a"]])
        #expect(throws: ConvKitError.self) { try Summary(Architecture(name: "bad", input: [2, 5, 5], body: bad)) }
    }

    @Test(arguments: gradientCases.indices)
    func gradientsThroughGraphs(index: Int) throws {
        let results = try GradientCheck.check(Self.gradientCases[index], input: [2, 4, 4], batch: 3)
        #expect(!results.isEmpty)
        for result in results { #expect(result.maxRelativeError < 1e-2, "\(result)") }
    }

    @Test func addAndResidualGradientChecks() throws {
        let block = Residual("block", body: [Conv2d("conv", nil, 2, kernel: 3, padding: 1), ReLU("relu1")], activation: Tanh("act"))
        for result in try GradientCheck.check(block, input: [2, 3, 3], batch: 2) { #expect(result.maxRelativeError < 1e-2, "\(result)") }
    }

    /// ResNet's state_dict names come from the structure (torchvision's, in its order).
    @Test func residualParameterNames() throws {
        let network = try Network(try ModelSource.resolve("resnet20-cifar"), seed: 0)
        let names = network.parameters.map(\.name)
        #expect(names.prefix(3) == ["conv1.weight", "bn1.weight", "bn1.bias"])
        #expect(names.contains("layer2.0.downsample.0.weight") && names.contains("layer2.0.downsample.1.running_var"))
        #expect(!names.contains("layer1.0.downsample.0.weight"))
        #expect(names.suffix(2) == ["fc.weight", "fc.bias"])
        let block = names.filter { $0.hasPrefix("layer2.0.") && $0.hasSuffix(".weight") }
        #expect(block == ["layer2.0.conv1.weight", "layer2.0.bn1.weight", "layer2.0.conv2.weight", "layer2.0.bn2.weight",
                          "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight"])
    }

    /// Golden zoo totals (torchvision's numel and fvcore's conv/linear MACs, bias excluded).
    @Test(arguments: [("resnet18", 11_689_512, 1_814_073_344), ("resnet34", 21_797_672, 3_663_761_408),
                      ("resnet50", 25_557_032, 4_089_184_256), ("resnet20-cifar", 272_474, 40_813_184),
                      ("resnet56-cifar", 855_770, 125_747_840)])
    func zooTotals(model: String, params: Int, macs: Int) throws {
        let summary = try Summary(try ModelSource.resolve(model))
        #expect(summary.totals.params == params)
        #expect(summary.totals.macs == macs)
    }

    /// --batch-norm reaches into blocks, and a layer that read the convolution reads its batch norm.
    @Test func batchNormInsertionReachesBlocksAndInputs() throws {
        let edited = ArchitectureOptions.insertingBatchNorm(Self.example)
        let summary = try Summary(edited)
        let names = summary.rows.map(\.name)
        #expect(names.contains("block.bn1") && names.contains("block.bn2") && names.contains("block.shortcut.bn1") && names.contains("b_bn"))
        #expect(summary.rows.first { $0.name == "sum" }?.inputs == ["b_bn", "input"])
    }

    /// One training step of a residual network: the same seed gives the same weights.
    @Test func trainingIsDeterministicThroughGraphs() throws {
        func step() throws -> [Float] {
            let network = try Network(Architecture(name: "n", input: [2, 4, 4], body: Self.gradientCases[1]), seed: 3)
            var context = RunContext(training: true, threads: 2)
            var x = Tensor(shape: [4, 2, 4, 4])
            var random = RandomGenerator(seed: 9)
            for i in 0..<x.count { x.storage[i] = random.uniform(-1, 1) }
            let y = try network.forward(x, &context)
            try network.backward(y, &context)
            let sgd = SGD(learningRate: 0.1, momentum: 0.9)
            sgd.step(network.parameters)
            return network.parameters.flatMap(\.value.storage)
        }
        #expect(try step() == step())
    }
}

extension Array where Element == any Layer {
    /// A top-level body with named inputs (test shorthand).
    func inputs(_ inputs: [String: [String]]) -> Sequential { Sequential(name: "", self, inputs: inputs) }
}

/// The example as YAML (this syntax is a contract), its emitted spec, and bad graph specs.
@Suite struct GraphSpecTests {
    static let example = """
        input: [16, 8, 8]
        layers:
          - {type: conv2d, name: a, out_channels: 16, kernel_size: 3, padding: 1, bias: false}
          - {type: relu, name: r}
          - {type: conv2d, name: b, out_channels: 16, kernel_size: 3, padding: 1, bias: false}
          - {type: add, name: sum, inputs: [b, input]}
          - type: residual
            name: block
            body:
              - {type: conv2d, out_channels: 32, kernel_size: 3, stride: 2, padding: 1, bias: false}
              - relu
              - {type: conv2d, out_channels: 32, kernel_size: 3, padding: 1, bias: false}
            shortcut:
              - {type: conv2d, out_channels: 32, kernel_size: 1, stride: 2, bias: false}
        """

    /// The same golden numbers as ``GraphTests/exampleGoldenNumbers()`` (arithmetic there).
    @Test func exampleFromYAML() throws {
        let summary = try Summary(try ModelSpec.parse(yaml: Self.example))
        #expect(summary.totals.params == 18_944 && summary.totals.macs == 524_288)
        #expect(summary.output == [32, 4, 4] && summary.field.largestSize == 11 && summary.field.largestJump == 2)
        #expect(summary.rows == (try Summary(GraphTests.example)).rows)
    }

    /// --emit-spec writes graphs back as YAML that reads back to the same rows.
    /// Every zoo model has a spec form (a checkpoint stores it; training checks it before it starts).
    @Test(arguments: Zoo.names)
    func emittedGraphsReadBack(model: String) throws {
        let architecture = try ModelSource.resolve(model)
        let text = try SpecEmitter.emit(architecture)
        #expect(try Summary(try ModelSpec.parse(yaml: text)).rows == (try Summary(architecture)).rows)
        let example = try SpecEmitter.emit(try ModelSpec.parse(yaml: Self.example))
        #expect(example.contains("{type: add, name: \"sum\", inputs: [\"b\", \"input\"]}"))
        #expect(try Summary(try ModelSpec.parse(yaml: example)).rows == (try Summary(try ModelSpec.parse(yaml: Self.example))).rows)
    }

    @Test func badGraphSpecsGiveOneErrorNamingTheLayer() throws {
        func error(_ text: String) -> String? {
            expectConvKitError { _ = try Summary(try ModelSpec.parse(yaml: text, file: "g.yaml")) }?.description
        }
        let unknown = error("input: [2, 4, 4]\nlayers:\n  - {type: relu, name: a}\n  - {type: add, name: s, inputs: [a, nope]}\n")
        #expect(unknown?.contains("g.yaml:4:") == true && unknown?.contains("layer 's': unknown input 'nope'") == true)
        let cycle = error("input: [2, 4, 4]\nlayers:\n  - {type: relu, name: a, inputs: [b]}\n  - {type: relu, name: b}\n")
        #expect(cycle?.contains("layer 'a': input 'b' is defined later") == true)
        let shapes = error("input: [2, 4, 4]\nlayers:\n  - {type: conv2d, name: c, out_channels: 3, kernel_size: 1}\n  - {type: add, name: s, inputs: [c, input]}\n")
        #expect(shapes?.contains("'s'") == true && shapes?.contains("identical shape") == true)
        let activation = error("input: [2, 4, 4]\nlayers:\n  - {type: residual, name: r, body: [relu], activation: conv2d}\n")
        #expect(activation?.contains("activation must be a layer type without required keys") == true)
    }
}
