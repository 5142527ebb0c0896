// SqueezeNet: F. N. Iandola, S. Han, M. W. Moskewicz, K. Ashraf, W. J. Dally, K. Keutzer,
// "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size", 2016.
//
// `squeezenet1_0`: torchvision.models.squeezenet1_0 (1000 classes, 3×224×224) with its names
// (`features.3.squeeze`, `features.3.expand3x3`, `classifier.1`), so a torchvision state_dict loads
// strictly. Fire modules: a 1×1 squeeze convolution with ReLU, then 1×1 and 3×3 expansions with ReLU,
// concatenated. Max pooling uses ceil mode, as torchvision's. Deviations: the concatenation of each
// fire module is a row `cat`, and torchvision's final `torch.flatten` is a row `flatten` (no
// parameters). Weights are initialised with PyTorch's layer defaults, not torchvision's
// re-initialisation (Kaiming-uniform convolutions, N(0, 0.01) for the final one).
extension Zoo {
    /// torchvision's `Fire` module named `name`.
    static func fire(_ name: String, inputs: Int, squeeze: Int, expand1x1: Int, expand3x3: Int) -> Sequential {
        Sequential(name: name, [
            Conv2d("squeeze", inputs, squeeze, kernel: 1), ReLU("squeeze_activation"),
            Conv2d("expand1x1", squeeze, expand1x1, kernel: 1), ReLU("expand1x1_activation"),
            Conv2d("expand3x3", squeeze, expand3x3, kernel: 3, padding: 1), ReLU("expand3x3_activation"),
            Concat(name: "cat", branches: []),
        ], inputs: ["expand3x3": ["squeeze_activation"], "cat": ["expand1x1_activation", "expand3x3_activation"]])
    }

    /// SqueezeNet 1.0 (torchvision): 1,248,424 parameters, 818,924,576 MACs at 3×224×224.
    public static func squeezenet10() -> Architecture {
        let features: [any Layer] = [
            Conv2d("0", 3, 96, kernel: 7, stride: 2), ReLU("1"), MaxPool2d("2", kernel: 3, stride: 2, ceilMode: true),
            fire("3", inputs: 96, squeeze: 16, expand1x1: 64, expand3x3: 64),
            fire("4", inputs: 128, squeeze: 16, expand1x1: 64, expand3x3: 64),
            fire("5", inputs: 128, squeeze: 32, expand1x1: 128, expand3x3: 128),
            MaxPool2d("6", kernel: 3, stride: 2, ceilMode: true),
            fire("7", inputs: 256, squeeze: 32, expand1x1: 128, expand3x3: 128),
            fire("8", inputs: 256, squeeze: 48, expand1x1: 192, expand3x3: 192),
            fire("9", inputs: 384, squeeze: 48, expand1x1: 192, expand3x3: 192),
            fire("10", inputs: 384, squeeze: 64, expand1x1: 256, expand3x3: 256),
            MaxPool2d("11", kernel: 3, stride: 2, ceilMode: true),
            fire("12", inputs: 512, squeeze: 64, expand1x1: 256, expand3x3: 256),
        ]
        return Architecture(name: "squeezenet1_0", input: [3, 224, 224], layers: [
            Sequential(name: "features", features),
            Sequential(name: "classifier", [Dropout("0", probability: 0.5), Conv2d("1", 512, 1000, kernel: 1), ReLU("2"),
                                            AdaptiveAvgPool2d("3", outputSize: Size2(1))]),
            Flatten("flatten"),
        ], notes: ["Source: Iandola et al. 2016; torchvision.models.squeezenet1_0 layout and names; 1,248,424 parameters."])
    }
}
