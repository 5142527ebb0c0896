// ShuffleNet v2: N. Ma, X. Zhang, H.-T. Zheng, J. Sun, "ShuffleNet V2: Practical Guidelines for
// Efficient CNN Architecture Design", ECCV 2018.
//
// `shufflenet_v2_x1_0`: torchvision.models.shufflenet_v2_x1_0 (stages of 4, 8, 4 units with 116, 232,
// 464 channels; 1000 classes, 3×224×224) with its names (`conv1.0`, `stage2.0.branch1.0`,
// `stage3.1.branch2.3`, `conv5.0`, `fc`), so a torchvision state_dict loads strictly. A unit of
// stride 1 splits the channels in two (`split`), runs the second half through branch 2 (1×1 conv, BN,
// ReLU, 3×3 depthwise conv, BN, 1×1 conv, BN, ReLU) and concatenates it after the first half; a unit
// of stride 2 concatenates branch 1 (3×3 depthwise stride 2, BN, 1×1, BN, ReLU) and branch 2 on the
// whole input; then the channels are shuffled in 2 groups. Deviations: rows for what torchvision
// computes without a module (`split`, `cat`, `shuffle`, the final mean over H×W as `avgpool` and
// `flatten`); no parameters in any of them.
extension Zoo {
    /// torchvision's ShuffleNet v2 `InvertedResidual` named `name`.
    static func shuffleUnit(_ name: String, inputs: Int, outputs: Int, stride: Int) -> Sequential {
        let half = outputs / 2
        func depthwise(_ layer: String, _ channels: Int) -> Conv2d {
            Conv2d(layer, channels, channels, kernel: 3, stride: stride, padding: 1, groups: channels, bias: false)
        }
        let branch2 = Sequential(name: "branch2", [
            Conv2d("0", stride > 1 ? inputs : half, half, kernel: 1, bias: false), BatchNorm("1", .two, features: half), ReLU("2"),
            depthwise("3", half), BatchNorm("4", .two, features: half),
            Conv2d("5", half, half, kernel: 1, bias: false), BatchNorm("6", .two, features: half), ReLU("7"),
        ])
        if stride > 1 {
            let branch1 = Sequential(name: "branch1", [
                depthwise("0", inputs), BatchNorm("1", .two, features: inputs),
                Conv2d("2", inputs, half, kernel: 1, bias: false), BatchNorm("3", .two, features: half), ReLU("4"),
            ])
            return Sequential(name: name, [branch1, branch2, Concat(name: "cat", branches: []), ChannelShuffle("shuffle", groups: 2)],
                              inputs: ["branch2": [Sequential.inputName], "cat": ["branch1", "branch2"]])
        }
        return Sequential(name: name, [Split("split", chunks: 2), branch2, Concat(name: "cat", branches: []), ChannelShuffle("shuffle", groups: 2)],
                          inputs: ["branch2": ["split.1"], "cat": ["split.0", "branch2"]])
    }

    /// ShuffleNet v2 ×1.0 (torchvision): 2,278,604 parameters, 144,907,992 MACs at 3×224×224.
    public static func shufflenetV2() -> Architecture {
        var layers: [any Layer] = [
            Sequential(name: "conv1", [Conv2d("0", 3, 24, kernel: 3, stride: 2, padding: 1, bias: false), BatchNorm("1", .two, features: 24), ReLU("2")]),
            MaxPool2d("maxpool", kernel: 3, stride: 2, padding: 1),
        ]
        var channels = 24
        for (stage, (repeats, outputs)) in zip([4, 8, 4], [116, 232, 464]).enumerated() {
            let units = (0..<repeats).map { shuffleUnit(String($0), inputs: $0 == 0 ? channels : outputs, outputs: outputs, stride: $0 == 0 ? 2 : 1) }
            layers.append(Sequential(name: "stage\(stage + 2)", units))
            channels = outputs
        }
        layers += [
            Sequential(name: "conv5", [Conv2d("0", channels, 1024, kernel: 1, bias: false), BatchNorm("1", .two, features: 1024), ReLU("2")]),
            AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"), Linear("fc", 1024, 1000),
        ]
        return Architecture(name: "shufflenet_v2_x1_0", input: [3, 224, 224], layers: layers,
                            notes: ["Source: Ma et al., ECCV 2018; torchvision.models.shufflenet_v2_x1_0 layout and names; 2,278,604 parameters."])
    }
}
