// EfficientNet: M. Tan, Q. V. Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
// Networks", ICML 2019.
//
// `efficientnet_b0`: torchvision.models.efficientnet_b0 (0.2x; 1000 classes, 3×224×224) with its
// names (`features.2.0.block.1.0`, `features.2.0.block.2.fc1`, `classifier.1`), so a torchvision
// state_dict loads strictly. MBConv blocks: a 1×1 expansion (absent at ratio 1), a k×k depthwise
// convolution with the stride, squeeze-and-excitation (SiLU, sigmoid; squeeze to max(1, in/4)), a
// linear 1×1 projection, all with batch norm (PyTorch's defaults, ε 1e-5, as torchvision's B0; B5 and
// later use ε 0.001); where stride 1 keeps the channels, stochastic
// depth (probability 0.2·b/16 for the b-th of the 16 blocks) and the input are added. Deviations:
// names for what torchvision computes without a module (`add`, the SE product `scale`, `flatten`);
// torchvision holds a `stochastic_depth` module in every block and applies it only where there is a
// sum, ConvKit has one only there (no parameters either way). Weights are initialised with PyTorch's
// layer defaults, not torchvision's re-initialisation (shapes, counts and loaded weights unaffected).
extension Zoo {
    /// torchvision's `MBConv` named `name`.
    static func mbConv(_ name: String, inputs: Int, outputs: Int, expansion: Int, kernel: Int, stride: Int, dropPath: Double) -> any Layer {
        let expanded = makeDivisible(Double(inputs * expansion))
        var layers: [any Layer] = []
        func cna(_ i: Int, _ o: Int, kernel: Int, stride: Int = 1, groups: Int = 1, activation: ((String) -> any Layer)?) -> Sequential {
            convNormActivation(String(layers.count), i, o, kernel: kernel, stride: stride, groups: groups, activation: activation)
        }
        if expanded != inputs { layers.append(cna(inputs, expanded, kernel: 1, activation: { SiLU($0) })) }
        layers.append(cna(expanded, expanded, kernel: kernel, stride: stride, groups: expanded, activation: { SiLU($0) }))
        layers.append(squeezeExcitation(String(layers.count), channels: expanded, squeeze: max(1, inputs / 4),
                                        activation: { SiLU($0) }, scaleActivation: { Sigmoid($0) }))
        layers.append(cna(expanded, outputs, kernel: 1, activation: nil))
        let block = Sequential(name: "block", layers)
        guard stride == 1 && inputs == outputs else { return Sequential(name: name, [block]) }
        return Residual(name, body: [block, DropPath("stochastic_depth", probability: dropPath)])
    }

    /// EfficientNet-B0 (torchvision): 5,288,548 parameters, 385,814,752 MACs at 3×224×224.
    public static func efficientnetB0() -> Architecture {
        // (expansion, kernel, stride, inputs, outputs, blocks): the paper's Table 1.
        let settings = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
                        (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
        let total = settings.reduce(0) { $0 + $1.5 }
        var features: [any Layer] = [convNormActivation("0", 3, 32, stride: 2, activation: { SiLU($0) })]
        var block = 0
        for (expansion, kernel, stride, inputs, outputs, count) in settings {
            var stage: [any Layer] = []
            for index in 0..<count {
                stage.append(mbConv(String(index), inputs: index == 0 ? inputs : outputs, outputs: outputs, expansion: expansion,
                                    kernel: kernel, stride: index == 0 ? stride : 1, dropPath: 0.2 * Double(block) / Double(total)))
                block += 1
            }
            features.append(Sequential(name: String(features.count), stage))
        }
        features.append(convNormActivation(String(features.count), 320, 1280, kernel: 1, activation: { SiLU($0) }))
        return Architecture(name: "efficientnet_b0", input: [3, 224, 224], layers: [
            Sequential(name: "features", features), AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"),
            Sequential(name: "classifier", [Dropout("0", probability: 0.2), Linear("1", 1280, 1000)]),
        ], notes: ["Source: Tan & Le, ICML 2019; torchvision.models.efficientnet_b0 layout and names; 5,288,548 parameters."])
    }
}
