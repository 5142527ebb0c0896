// ResNet: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition",
// CVPR 2016.
//
// `resnet18`, `resnet34`, `resnet50`: torchvision.models.resnet (0.x, "v1.5": in a bottleneck the
// stride sits in the 3×3 convolution, not in the first 1×1 as in the paper), 3×224×224, 1000
// classes, with torchvision's names (`conv1`, `bn1`, `layer1.0.conv1`, `layer1.0.downsample.0`,
// `fc`), so a torchvision state_dict loads strictly. Convolutions have no bias; the projection
// shortcut (`downsample`: 1×1 convolution with the block's stride, then batch norm) is used where
// the stride or the channel count changes. Deviation in names only: ConvKit names each
// activation (`relu1`, `relu2` in a block's body, `relu` after the sum) and the sum (`add`);
// torchvision reuses one parameter-free `relu` module, so the state_dict is the same.
//
// `resnet20-cifar`, `resnet56-cifar`: the CIFAR-10 networks of §4.2: a 3×3 convolution to 16
// channels, then 3 stages of n basic blocks (n = 3 and 9) with 16, 32, 64 channels on 32×32, 16×16,
// 8×8 maps (the first block of stages 2 and 3 has stride 2), global average pooling and a 10-way
// linear layer; 6n + 2 weighted layers. Deviation: where the shape changes, the shortcut is a
// 1×1 convolution with batch norm (the paper's option B); the paper's CIFAR-10 results use option
// A, a parameter-free zero-padded identity, so these models have a few more parameters
// (resnet20: 272,474 instead of 0.27 M with option A's 269,722). Names follow torchvision's
// (`layer1.0.conv1`, `layer2.0.downsample.0`).
extension Zoo {
    /// A torchvision `BasicBlock`: two 3×3 convolutions with batch norm, `planes` channels.
    static func basicBlock(_ name: String, inputs: Int, planes: Int, stride: Int) -> Residual {
        let downsample: [any Layer] = stride != 1 || inputs != planes
            ? [Conv2d("0", inputs, planes, kernel: 1, stride: stride, bias: false), BatchNorm("1", .two, features: planes)] : []
        return Residual(name, body: [
            Conv2d("conv1", inputs, planes, kernel: 3, stride: stride, padding: 1, bias: false), BatchNorm("bn1", .two, features: planes), ReLU("relu1"),
            Conv2d("conv2", planes, planes, kernel: 3, padding: 1, bias: false), BatchNorm("bn2", .two, features: planes),
        ], shortcut: downsample, shortcutName: "downsample", activation: ReLU("relu"))
    }

    /// A torchvision `Bottleneck` (v1.5): 1×1 to `planes`, 3×3 with the stride, 1×1 to 4·`planes`.
    static func bottleneckBlock(_ name: String, inputs: Int, planes: Int, stride: Int) -> Residual {
        let outputs = planes * 4
        let downsample: [any Layer] = stride != 1 || inputs != outputs
            ? [Conv2d("0", inputs, outputs, kernel: 1, stride: stride, bias: false), BatchNorm("1", .two, features: outputs)] : []
        return Residual(name, body: [
            Conv2d("conv1", inputs, planes, kernel: 1, bias: false), BatchNorm("bn1", .two, features: planes), ReLU("relu1"),
            Conv2d("conv2", planes, planes, kernel: 3, stride: stride, padding: 1, bias: false), BatchNorm("bn2", .two, features: planes), ReLU("relu2"),
            Conv2d("conv3", planes, outputs, kernel: 1, bias: false), BatchNorm("bn3", .two, features: outputs),
        ], shortcut: downsample, shortcutName: "downsample", activation: ReLU("relu"))
    }

    /// Stages `layer1`…: `blocks[i]` blocks of `widths[i]` planes, the first with stride `strides[i]`.
    static func resnetStages(blocks: [Int], widths: [Int], strides: [Int], stem: Int, bottleneck: Bool) -> (stages: [any Layer], channels: Int) {
        var channels = stem
        var stages: [any Layer] = []
        for (stage, (count, planes)) in zip(blocks, widths).enumerated() {
            var layers: [any Layer] = []
            for index in 0..<count {
                let stride = index == 0 ? strides[stage] : 1
                if bottleneck {
                    layers.append(bottleneckBlock(String(index), inputs: channels, planes: planes, stride: stride))
                    channels = planes * 4
                } else {
                    layers.append(basicBlock(String(index), inputs: channels, planes: planes, stride: stride))
                    channels = planes
                }
            }
            stages.append(Sequential(name: "layer\(stage + 1)", layers))
        }
        return (stages, channels)
    }

    /// torchvision's ImageNet ResNet with `blocks` per stage.
    static func resnet(_ name: String, blocks: [Int], bottleneck: Bool, parameters: String) -> Architecture {
        let (stages, channels) = resnetStages(blocks: blocks, widths: [64, 128, 256, 512], strides: [1, 2, 2, 2], stem: 64, bottleneck: bottleneck)
        let layers: [any Layer] = [
            Conv2d("conv1", 3, 64, kernel: 7, stride: 2, padding: 3, bias: false), BatchNorm("bn1", .two, features: 64), ReLU("relu"),
            MaxPool2d("maxpool", kernel: 3, stride: 2, padding: 1),
        ] + stages + [AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"), Linear("fc", channels, 1000)]
        return Architecture(name: name, input: [3, 224, 224], layers: layers, notes: [
            "Source: He et al., CVPR 2016; torchvision.models.\(name) layout (v1.5) and state_dict names; \(parameters) parameters.",
        ])
    }

    /// ResNet-18 (torchvision): 11,689,512 parameters, 1,814,073,344 MACs at 3×224×224.
    public static func resnet18() -> Architecture { resnet("resnet18", blocks: [2, 2, 2, 2], bottleneck: false, parameters: "11,689,512") }
    /// ResNet-34 (torchvision): 21,797,672 parameters.
    public static func resnet34() -> Architecture { resnet("resnet34", blocks: [3, 4, 6, 3], bottleneck: false, parameters: "21,797,672") }
    /// ResNet-50 (torchvision, v1.5): 25,557,032 parameters.
    public static func resnet50() -> Architecture { resnet("resnet50", blocks: [3, 4, 6, 3], bottleneck: true, parameters: "25,557,032") }

    /// The CIFAR-10 ResNet of He et al. 2016 §4.2 with `n` blocks per stage (6n + 2 layers).
    public static func resnetCIFAR(n: Int) -> Architecture {
        let (stages, channels) = resnetStages(blocks: [n, n, n], widths: [16, 32, 64], strides: [1, 2, 2], stem: 16, bottleneck: false)
        let layers: [any Layer] = [
            Conv2d("conv1", 3, 16, kernel: 3, padding: 1, bias: false), BatchNorm("bn1", .two, features: 16), ReLU("relu"),
        ] + stages + [AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)), Flatten("flatten"), Linear("fc", channels, 10)]
        return Architecture(name: "resnet\(6 * n + 2)-cifar", input: [3, 32, 32], layers: layers, notes: [
            "Source: He et al., CVPR 2016, §4.2 (CIFAR-10), n = \(n): \(6 * n + 2) weighted layers, 16/32/64 channels.",
            "Deviation: 1×1 convolution + batch norm shortcuts where the shape changes (the paper's option B); its CIFAR-10 runs use the parameter-free option A.",
        ])
    }
}
