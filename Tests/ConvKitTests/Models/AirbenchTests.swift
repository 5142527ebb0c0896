import Testing
@testable import ConvKit

/// The airbench94 zoo model (Jordan 2024) against its counts worked by hand, and its state_dict
/// keys against airbench's make_net94 (scripts/crosscheck-pytorch.py compares it with the PyTorch twin).
@Suite struct AirbenchTests {
    /// Per image, 3×32×32 in:
    /// - `0` 2×2 conv 3→24 with bias, no padding: 31×31 out; weights 24·3·2·2 = 288, biases 24;
    ///   MACs 24·31·31 · 3·4 = 23,064 · 12 = 276,768.
    /// - `2` (24→64 on 31×31, pool to 15×15): conv1 64·24·9 = 13,824 weights, 64·961 · 216 = 13,284,864 MACs;
    ///   conv2 64·64·9 = 36,864 weights, 64·225 · 576 = 8,294,400 MACs; norms 2·(64 + 64) = 256 params.
    /// - `3` (64→256 on 15×15, pool to 7×7): conv1 147,456 weights, 256·225 · 576 = 33,177,600 MACs;
    ///   conv2 589,824 weights, 256·49 · 2,304 = 28,901,376 MACs; norms 2·512 = 1,024.
    /// - `4` (256→256 on 7×7, pool to 3×3): conv1 589,824 weights, 256·49 · 2,304 = 28,901,376 MACs;
    ///   conv2 589,824 weights, 256·9 · 2,304 = 5,308,416 MACs; norms 1,024.
    /// - `5` 3×3 max-pool → 256×1×1; `7` linear 256→10 without bias: 2,560 weights and MACs.
    /// Params 312 + 50,944 + 738,304 + 1,180,672 + 2,560 = 1,972,792;
    /// MACs 276,768 + 21,579,264 + 62,078,976 + 34,209,792 + 2,560 = 118,147,360.
    @Test func countsMatchTheArithmetic() throws {
        let summary = try Summary(Zoo.airbench94())
        #expect(summary.totals.params == 1_972_792)
        #expect(summary.totals.macs == 118_147_360)
        let rows = Dictionary(uniqueKeysWithValues: summary.rows.map { ($0.name, $0) })
        #expect(rows["0"]?.output == [24, 31, 31] && rows["0"]?.cost.macs.value == 276_768)
        #expect(rows["2.pool"]?.output == [64, 15, 15] && rows["3.pool"]?.output == [256, 7, 7])
        #expect(rows["4.pool"]?.output == [256, 3, 3] && rows["5"]?.output == [256, 1, 1])
        #expect(rows["3.conv1"]?.cost.macs.value == 33_177_600 && rows["4.conv2"]?.cost.macs.value == 5_308_416)
        #expect(summary.rows.last?.output == [10])
    }

    /// airbench's keys: `0.weight`, `0.bias`, `2.conv1.weight`, `2.norm1.{weight, bias, running_mean,
    /// running_var, num_batches_tracked}`, …, `7.weight`; BatchNorm eps 1e-12, momentum 0.4.
    @Test func stateDictKeysAreAirbenchs() throws {
        let network = try Network(Zoo.airbench94(), seed: 0)
        let names = network.parameters.map(\.name)
        #expect(names.prefix(3) == ["0.weight", "0.bias", "2.conv1.weight"])
        #expect(names.contains("3.norm2.running_var") && names.contains("4.conv2.weight"))
        #expect(names.last == "7.weight" && !names.contains("7.bias"))
        let norms = Zoo.airbench94().body.layers.flatMap { ($0 as? Sequential)?.layers ?? [] }.compactMap { $0 as? BatchNorm }
        #expect(norms.count == 6 && norms.allSatisfy { $0.epsilon == 1e-12 && $0.momentum == 0.4 })
    }

    /// The gradient check of a narrow copy passes through the whole chain (GELU, pools, BN with
    /// eps 1e-12, 'same' convolutions). ε = 1e-3: with the default 1e-2 a step of a weight moves a
    /// value past its max-pool neighbour (two pools in a row over 7×7), a kink, not a wrong gradient.
    @Test func narrowCopyPassesTheGradientCheck() throws {
        let narrow = Sequential(name: "net", [
            Conv2d("0", 3, 4, kernel: 2), GELU("1"),
            Zoo.airbenchConvGroup("2", inputs: 4, outputs: 3),
            MaxPool2d("5", kernel: 3), Flatten("6"), Linear("7", 3, 2, bias: false),
        ])
        for result in try GradientCheck.check(narrow, input: [3, 7, 7], batch: 2, epsilon: 1e-3) {
            #expect(result.maxRelativeError < 1e-2, "\(result)")
        }
    }
}
