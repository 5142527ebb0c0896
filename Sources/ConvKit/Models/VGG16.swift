// VGG-16: K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
// Recognition", ICLR 2015, Table 1 configuration D: 13 3×3 convolutions (pad 1) in five blocks
// of 64, 128, 256, 512, 512 filters, each block ending in 2×2 max-pool, then fc 4096, 4096, 1000
// with dropout 0.5. Layout and names follow torchvision.models.vgg16 (`features.N`,
// `classifier.N`, adaptive 7×7 average pooling, which is the identity at 224×224).
extension Zoo {
    /// VGG-16 (configuration D) on 3×224×224: 138,357,544 parameters.
    public static func vgg16() -> Architecture {
        let plan: [Int?] = [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil]
        var features: [any Layer] = []
        var channels = 3
        for width in plan {
            let index = String(features.count)
            if let width {
                features.append(Conv2d(index, channels, width, kernel: 3, padding: 1))
                features.append(ReLU(String(features.count)))
                channels = width
            } else {
                features.append(MaxPool2d(index, kernel: 2, stride: 2))
            }
        }
        let classifier = Sequential(name: "classifier", [
            Linear("0", 25088, 4096), ReLU("1"), Dropout("2", probability: 0.5),
            Linear("3", 4096, 4096), ReLU("4"), Dropout("5", probability: 0.5),
            Linear("6", 4096, 1000),
        ])
        return Architecture(name: "vgg16", input: [3, 224, 224], layers: [
            Sequential(name: "features", features), AdaptiveAvgPool2d("avgpool", outputSize: Size2(7)), Flatten("flatten"), classifier,
        ], notes: ["Source: Simonyan & Zisserman, ICLR 2015, Table 1, configuration D; torchvision layout and names."])
    }
}
