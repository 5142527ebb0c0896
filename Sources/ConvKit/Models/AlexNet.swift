// AlexNet: A. Krizhevsky, I. Sutskever, G. Hinton, "ImageNet Classification with Deep
// Convolutional Neural Networks", NIPS 2012 (section 3, Fig. 2). The two-GPU model: conv2, conv4
// and conv5 only see the kernel maps on their own GPU (groups = 2); conv3 and the fully
// connected layers see both. LRN (n = 5, k = 2, α = 1e-4, β = 0.75) after conv1 and conv2,
// overlapping max-pool 3/2, dropout 0.5 before fc7 and fc8 (on fc6's and fc7's outputs).
// Deviation: input 3×227×227, not the paper's 224: with an 11×11 kernel at stride 4 and no
// padding, ⌊(224 − 11)/4⌋ + 1 = 54, while (227 − 11)/4 + 1 = 55 gives the paper's 55×55×96.
extension Zoo {
    /// The two-GPU AlexNet of the 2012 paper on 3×227×227.
    public static func alexnet() -> Architecture {
        Architecture(name: "alexnet", input: [3, 227, 227], layers: [
            Conv2d("conv1", 3, 96, kernel: 11, stride: 4), ReLU("relu1"),
            LocalResponseNorm("norm1", size: 5, alpha: 1e-4, beta: 0.75, k: 2), MaxPool2d("pool1", kernel: 3, stride: 2),
            Conv2d("conv2", 96, 256, kernel: 5, padding: 2, groups: 2), ReLU("relu2"),
            LocalResponseNorm("norm2", size: 5, alpha: 1e-4, beta: 0.75, k: 2), MaxPool2d("pool2", kernel: 3, stride: 2),
            Conv2d("conv3", 256, 384, kernel: 3, padding: 1), ReLU("relu3"),
            Conv2d("conv4", 384, 384, kernel: 3, padding: 1, groups: 2), ReLU("relu4"),
            Conv2d("conv5", 384, 256, kernel: 3, padding: 1, groups: 2), ReLU("relu5"),
            MaxPool2d("pool5", kernel: 3, stride: 2),
            Flatten("flatten"),
            Linear("fc6", 9216, 4096), ReLU("relu6"), Dropout("drop6", probability: 0.5),
            Linear("fc7", 4096, 4096), ReLU("relu7"), Dropout("drop7", probability: 0.5),
            Linear("fc8", 4096, 1000),
        ], notes: [
            "Source: Krizhevsky, Sutskever, Hinton, NIPS 2012, section 3 and Fig. 2 (two GPUs).",
            "Input 227×227, not the paper's 224: conv1 (11×11, stride 4, no padding) gives ⌊(224 − 11)/4⌋ + 1 = 54 on 224 pixels, but (227 − 11)/4 + 1 = 55 on 227, the 55×55×96 of the paper.",
            "conv2, conv4, conv5 use groups = 2 (each GPU's kernels see only that GPU's maps); conv3 and fc6–fc8 connect across GPUs.",
        ])
    }

    /// torchvision's single-GPU AlexNet (`torchvision.models.alexnet`) on 3×224×224;
    /// layer names match its state_dict (`features.0`, `classifier.1`, …).
    public static func alexnetTorchvision() -> Architecture {
        let features = Sequential(name: "features", [
            Conv2d("0", 3, 64, kernel: 11, stride: 4, padding: 2), ReLU("1"), MaxPool2d("2", kernel: 3, stride: 2),
            Conv2d("3", 64, 192, kernel: 5, padding: 2), ReLU("4"), MaxPool2d("5", kernel: 3, stride: 2),
            Conv2d("6", 192, 384, kernel: 3, padding: 1), ReLU("7"),
            Conv2d("8", 384, 256, kernel: 3, padding: 1), ReLU("9"),
            Conv2d("10", 256, 256, kernel: 3, padding: 1), ReLU("11"), MaxPool2d("12", kernel: 3, stride: 2),
        ])
        let classifier = Sequential(name: "classifier", [
            Dropout("0", probability: 0.5), Linear("1", 9216, 4096), ReLU("2"),
            Dropout("3", probability: 0.5), Linear("4", 4096, 4096), ReLU("5"),
            Linear("6", 4096, 1000),
        ])
        return Architecture(name: "alexnet-torchvision", input: [3, 224, 224], layers: [
            features, AdaptiveAvgPool2d("avgpool", outputSize: Size2(6)), Flatten("flatten"), classifier,
        ], notes: [
            "Source: torchvision.models.alexnet (after Krizhevsky 2014, 'One weird trick'): single GPU, 64-192-384-256-256 filters, no LRN.",
            "Adaptive average pooling to 6×6 before the classifier; torchvision flattens in forward(), shown here as a row.",
        ])
    }
}
