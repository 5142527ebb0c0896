// MobileNet v2: M. Sandler, A. Howard, M. Zhu, A. Zhmoginov, L.-C. Chen, "MobileNetV2: Inverted
// Residuals and Linear Bottlenecks", CVPR 2018. MobileNet v3: A. Howard et al., "Searching for
// MobileNetV3", ICCV 2019.
//
// `mobilenet_v2` and `mobilenet_v3_small` are torchvision.models' (0.2x, width 1.0, 1000 classes,
// 3×224×224) with their names (`features.1.conv.0.0`, `features.2.block.1.fc1`, `classifier.1`), so
// a torchvision state_dict loads strictly. Deviations: names for what torchvision computes without a
// module (the residual sum `add`, the squeeze-and-excitation product `scale`, v2's functional
// `avgpool` and `flatten`); none of them holds parameters. ConvKit initialises weights with PyTorch's
// layer defaults (Kaiming-uniform, a = √5), not torchvision's re-initialisation (Kaiming-normal
// fan-out convolutions, N(0, 0.01) linear weights): shapes, counts and loaded weights are unaffected.
extension Zoo {
    /// torchvision's v2 `InvertedResidual`: a 1×1 expansion by `expansion` (none when 1), a 3×3
    /// depthwise convolution with the stride (both with batch norm and ReLU6), and a linear 1×1
    /// projection with batch norm, as `conv.0` … `conv.3`; the input is added where the stride is 1
    /// and the channels do not change.
    static func invertedResidualV2(_ name: String, inputs: Int, outputs: Int, stride: Int, expansion: Int) -> any Layer {
        let hidden = inputs * expansion
        var layers: [any Layer] = []
        if expansion != 1 { layers.append(convNormActivation(String(layers.count), inputs, hidden, kernel: 1, activation: { ReLU6($0) })) }
        layers.append(convNormActivation(String(layers.count), hidden, hidden, stride: stride, groups: hidden, activation: { ReLU6($0) }))
        layers.append(Conv2d(String(layers.count), hidden, outputs, kernel: 1, bias: false))
        layers.append(BatchNorm(String(layers.count), .two, features: outputs))
        let conv = Sequential(name: "conv", layers)
        guard stride == 1 && inputs == outputs else { return Sequential(name: name, [conv]) }
        return Residual(name, body: [conv])
    }

    /// MobileNet v2 (torchvision): 3,504,872 parameters, 300,774,272 MACs at 3×224×224.
    public static func mobilenetV2() -> Architecture {
        // (expansion t, channels c, blocks n, first stride s), the paper's Table 2.
        let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
        var features: [any Layer] = [convNormActivation("0", 3, 32, stride: 2, activation: { ReLU6($0) })]
        var channels = 32
        for (t, c, n, s) in settings {
            for index in 0..<n {
                features.append(invertedResidualV2(String(features.count), inputs: channels, outputs: c, stride: index == 0 ? s : 1, expansion: t))
                channels = c
            }
        }
        features.append(convNormActivation(String(features.count), channels, 1280, kernel: 1, activation: { ReLU6($0) }))
        return Architecture(name: "mobilenet_v2", input: [3, 224, 224], layers: [
            Sequential(name: "features", features), AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"),
            Sequential(name: "classifier", [Dropout("0", probability: 0.2), Linear("1", 1280, 1000)]),
        ], notes: ["Source: Sandler et al., CVPR 2018; torchvision.models.mobilenet_v2 layout and names; 3,504,872 parameters."])
    }

    /// torchvision's v3 `InvertedResidual` with batch norm ε 0.001, momentum 0.01: a 1×1 expansion
    /// (when `expanded` differs from `inputs`), a `kernel`×`kernel` depthwise convolution with the
    /// stride, optional squeeze-and-excitation (ReLU, hard sigmoid; squeeze to
    /// `makeDivisible(expanded/4)`), a linear 1×1 projection; `block.0` …; the input added where the
    /// stride is 1 and the channels do not change.
    static func invertedResidualV3(_ name: String, inputs: Int, kernel: Int, expanded: Int, outputs: Int, squeezeExcite: Bool,
                                   hardSwish: Bool, stride: Int) -> any Layer {
        let activation: (String) -> any Layer = hardSwish ? { Hardswish($0) } : { ReLU($0) }
        var layers: [any Layer] = []
        func cna(_ i: Int, _ o: Int, kernel: Int, stride: Int = 1, groups: Int = 1, activation: ((String) -> any Layer)?) -> Sequential {
            convNormActivation(String(layers.count), i, o, kernel: kernel, stride: stride, groups: groups, epsilon: 0.001, momentum: 0.01,
                               activation: activation)
        }
        if expanded != inputs { layers.append(cna(inputs, expanded, kernel: 1, activation: activation)) }
        layers.append(cna(expanded, expanded, kernel: kernel, stride: stride, groups: expanded, activation: activation))
        if squeezeExcite {
            layers.append(squeezeExcitation(String(layers.count), channels: expanded, squeeze: makeDivisible(Double(expanded / 4)),
                                            activation: { ReLU($0) }, scaleActivation: { Hardsigmoid($0) }))
        }
        layers.append(cna(expanded, outputs, kernel: 1, activation: nil))
        let block = Sequential(name: "block", layers)
        guard stride == 1 && inputs == outputs else { return Sequential(name: name, [block]) }
        return Residual(name, body: [block])
    }

    /// MobileNet v3 small (torchvision): 2,542,856 parameters, 56,510,400 MACs at 3×224×224.
    public static func mobilenetV3Small() -> Architecture {
        // (input, kernel, expanded, output, squeeze-and-excitation, hard swish, stride), Table 2 of the paper.
        let settings: [(Int, Int, Int, Int, Bool, Bool, Int)] = [
            (16, 3, 16, 16, true, false, 2), (16, 3, 72, 24, false, false, 2), (24, 3, 88, 24, false, false, 1),
            (24, 5, 96, 40, true, true, 2), (40, 5, 240, 40, true, true, 1), (40, 5, 240, 40, true, true, 1),
            (40, 5, 120, 48, true, true, 1), (48, 5, 144, 48, true, true, 1), (48, 5, 288, 96, true, true, 2),
            (96, 5, 576, 96, true, true, 1), (96, 5, 576, 96, true, true, 1),
        ]
        var features: [any Layer] = [convNormActivation("0", 3, 16, stride: 2, epsilon: 0.001, momentum: 0.01, activation: { Hardswish($0) })]
        for (i, k, e, o, se, hs, s) in settings {
            features.append(invertedResidualV3(String(features.count), inputs: i, kernel: k, expanded: e, outputs: o, squeezeExcite: se,
                                               hardSwish: hs, stride: s))
        }
        features.append(convNormActivation(String(features.count), 96, 576, kernel: 1, epsilon: 0.001, momentum: 0.01, activation: { Hardswish($0) }))
        return Architecture(name: "mobilenet_v3_small", input: [3, 224, 224], layers: [
            Sequential(name: "features", features), AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"),
            Sequential(name: "classifier", [Linear("0", 576, 1024), Hardswish("1"), Dropout("2", probability: 0.2), Linear("3", 1024, 1000)]),
        ], notes: ["Source: Howard et al., ICCV 2019; torchvision.models.mobilenet_v3_small layout and names; 2,542,856 parameters."])
    }
}
