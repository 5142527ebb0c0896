// DenseNet: G. Huang, Z. Liu, L. van der Maaten, K. Q. Weinberger, "Densely Connected Convolutional
// Networks", CVPR 2017.
//
// `densenet121`: torchvision.models.densenet121 (growth 32, blocks of 6, 12, 24, 16 layers, bottleneck
// width 4·32, compression ½; 1000 classes, 3×224×224) with its names (`features.conv0`,
// `features.denseblock1.denselayer1.norm1`, `features.transition1.conv`, `classifier`), so a
// torchvision state_dict loads strictly. A dense layer (BN, ReLU, 1×1 conv to 128, BN, ReLU, 3×3 conv
// to 32) reads the concatenation of the block input and every earlier layer's output. Deviations:
// ConvKit builds that concatenation step by step, a `Concat` row `catK` after `denselayerK` joining
// the previous one and the new 32 channels (torchvision concatenates the whole list inside each
// layer: the same channels in the same order); names for torchvision's functional ReLU, pooling and
// flatten after `features.norm5`. No parameters in any of them.
extension Zoo {
    /// A dense block `name` of `layers` layers on `inputs` channels; returns it and its output channels.
    static func denseBlock(_ name: String, inputs: Int, layers count: Int, growth: Int = 32, bottleneck: Int = 4) -> (Sequential, Int) {
        var layers: [any Layer] = []
        var links: [String: [String]] = [:]
        var channels = inputs
        var previous = Sequential.inputName
        for index in 1...count {
            layers.append(Sequential(name: "denselayer\(index)", [
                BatchNorm("norm1", .two, features: channels), ReLU("relu1"), Conv2d("conv1", channels, bottleneck * growth, kernel: 1, bias: false),
                BatchNorm("norm2", .two, features: bottleneck * growth), ReLU("relu2"),
                Conv2d("conv2", bottleneck * growth, growth, kernel: 3, padding: 1, bias: false),
            ]))
            links["denselayer\(index)"] = [previous]
            layers.append(Concat(name: "cat\(index)", branches: []))
            links["cat\(index)"] = [previous, "denselayer\(index)"]
            previous = "cat\(index)"
            channels += growth
        }
        return (Sequential(name: name, layers, inputs: links), channels)
    }

    /// DenseNet-121 (torchvision): 7,978,856 parameters, 2,834,161,664 MACs at 3×224×224.
    public static func densenet121() -> Architecture {
        var features: [any Layer] = [
            Conv2d("conv0", 3, 64, kernel: 7, stride: 2, padding: 3, bias: false), BatchNorm("norm0", .two, features: 64), ReLU("relu0"),
            MaxPool2d("pool0", kernel: 3, stride: 2, padding: 1),
        ]
        var channels = 64
        let blocks = [6, 12, 24, 16]
        for (index, count) in blocks.enumerated() {
            let (block, out) = denseBlock("denseblock\(index + 1)", inputs: channels, layers: count)
            features.append(block)
            channels = out
            if index < blocks.count - 1 {
                features.append(Sequential(name: "transition\(index + 1)", [
                    BatchNorm("norm", .two, features: channels), ReLU("relu"), Conv2d("conv", channels, channels / 2, kernel: 1, bias: false),
                    AvgPool2d("pool", kernel: 2, stride: 2),
                ]))
                channels /= 2
            }
        }
        features.append(BatchNorm("norm5", .two, features: channels))
        return Architecture(name: "densenet121", input: [3, 224, 224], layers: [
            Sequential(name: "features", features), ReLU("relu"), AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"),
            Linear("classifier", channels, 1000),
        ], notes: ["Source: Huang et al., CVPR 2017; torchvision.models.densenet121 layout and names; 7,978,856 parameters."])
    }
}
