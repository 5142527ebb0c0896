// GoogLeNet (Inception v1): C. Szegedy et al., "Going Deeper with Convolutions", CVPR 2015.
//
// `googlenet`: torchvision.models.googlenet as it runs for inference (aux_logits=False,
// transform_input=False; 1000 classes, 3×224×224) with its names (`conv1.conv`, `conv1.bn`,
// `inception3a.branch2.1.conv`, `fc`), so the state_dict of `googlenet(aux_logits=False)` loads
// strictly. Every convolution is torchvision's `BasicConv2d` (no bias, batch norm ε 0.001, ReLU);
// max pooling uses ceil mode. torchvision's deviations from the paper are kept: batch norm (the paper
// had none), and a 3×3 convolution in each module's third branch where the paper has a 5×5
// (torchvision keeps this quirk for its pretrained weights). Deviations from
// torchvision: no auxiliary classifiers (torchvision builds them by default when training from
// scratch; they run only in training mode and are discarded with pretrained weights), and rows for
// its functional ReLU (`relu`) and `flatten`; no parameters in those.
extension Zoo {
    /// torchvision's `BasicConv2d`: convolution without bias, batch norm (ε 0.001), ReLU.
    static func basicConv(_ name: String, _ inputs: Int, _ outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0) -> Sequential {
        Sequential(name: name, [Conv2d("conv", inputs, outputs, kernel: kernel, stride: stride, padding: padding, bias: false),
                                BatchNorm("bn", .two, features: outputs, epsilon: 0.001), ReLU("relu")])
    }

    /// torchvision's GoogLeNet `Inception` module named `name`.
    static func inceptionV1(_ name: String, _ inputs: Int, _ ch1x1: Int, _ ch3x3red: Int, _ ch3x3: Int, _ ch5x5red: Int, _ ch5x5: Int,
                            _ poolProjection: Int) -> Concat {
        Concat(name: name, branches: [
            Sequential(name: "branch1", basicConv("branch1", inputs, ch1x1, kernel: 1).layers),
            Sequential(name: "branch2", [basicConv("0", inputs, ch3x3red, kernel: 1), basicConv("1", ch3x3red, ch3x3, kernel: 3, padding: 1)]),
            Sequential(name: "branch3", [basicConv("0", inputs, ch5x5red, kernel: 1), basicConv("1", ch5x5red, ch5x5, kernel: 3, padding: 1)]),
            Sequential(name: "branch4", [MaxPool2d("0", kernel: 3, stride: 1, padding: 1, ceilMode: true), basicConv("1", inputs, poolProjection, kernel: 1)]),
        ])
    }

    /// GoogLeNet (torchvision, inference form): 6,624,904 parameters, 1,498,376,192 MACs at 3×224×224.
    public static func googlenet() -> Architecture {
        let layers: [any Layer] = [
            basicConv("conv1", 3, 64, kernel: 7, stride: 2, padding: 3), MaxPool2d("maxpool1", kernel: 3, stride: 2, ceilMode: true),
            basicConv("conv2", 64, 64, kernel: 1), basicConv("conv3", 64, 192, kernel: 3, padding: 1),
            MaxPool2d("maxpool2", kernel: 3, stride: 2, ceilMode: true),
            inceptionV1("inception3a", 192, 64, 96, 128, 16, 32, 32), inceptionV1("inception3b", 256, 128, 128, 192, 32, 96, 64),
            MaxPool2d("maxpool3", kernel: 3, stride: 2, ceilMode: true),
            inceptionV1("inception4a", 480, 192, 96, 208, 16, 48, 64), inceptionV1("inception4b", 512, 160, 112, 224, 24, 64, 64),
            inceptionV1("inception4c", 512, 128, 128, 256, 24, 64, 64), inceptionV1("inception4d", 512, 112, 144, 288, 32, 64, 64),
            inceptionV1("inception4e", 528, 256, 160, 320, 32, 128, 128),
            MaxPool2d("maxpool4", kernel: 2, stride: 2, ceilMode: true),
            inceptionV1("inception5a", 832, 256, 160, 320, 32, 128, 128), inceptionV1("inception5b", 832, 384, 192, 384, 48, 128, 128),
            AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"), Dropout("dropout", probability: 0.2), Linear("fc", 1024, 1000),
        ]
        return Architecture(name: "googlenet", input: [3, 224, 224], layers: layers,
                            notes: ["Source: Szegedy et al., CVPR 2015; torchvision.models.googlenet (aux_logits=False) layout and names; 6,624,904 parameters."])
    }
}
