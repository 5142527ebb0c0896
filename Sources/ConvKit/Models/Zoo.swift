/// The built-in models, by name. Each model's file names its source and every deviation.
public enum Zoo {
    /// A zoo entry: name, one-line description and a builder (no weights are allocated).
    public struct Entry: Sendable {
        public var name: String
        public var description: String
        public var build: @Sendable () -> Architecture
    }

    /// All zoo models in the order `convkit models` lists them.
    public static let entries: [Entry] = [
        Entry(name: "lenet5", description: "LeNet-5 for CIFAR-10 (PyTorch tutorial): 2 conv + 3 linear, ReLU, max-pool; 3×32×32", build: { lenet5() }),
        Entry(name: "lenet5-1998", description: "LeNet-5 as in LeCun et al. 1998: C1, S2, C3 (partial table), S4, C5, F6, output; 1×32×32", build: { lenet5Original() }),
        Entry(name: "alexnet", description: "AlexNet, Krizhevsky et al. 2012, two-GPU model with grouped conv2/4/5 and LRN; 3×227×227", build: { alexnet() }),
        Entry(name: "alexnet-torchvision", description: "AlexNet as in torchvision (single GPU, 64-192-384-256-256); 3×224×224", build: { alexnetTorchvision() }),
        Entry(name: "inception-naive", description: "Inception module, naive: 1×1/3×3/5×5 conv + 3×3 max-pool branches; 256×32×32", build: { inceptionNaive() }),
        Entry(name: "inception-bottleneck", description: "Inception module with 1×1 bottlenecks (64) before 3×3/5×5 and after the pool; 256×32×32", build: { inceptionBottleneck() }),
        Entry(name: "vgg16", description: "VGG-16, configuration D of Simonyan & Zisserman 2014 (torchvision layout); 3×224×224", build: { vgg16() }),
        Entry(name: "resnet18", description: "ResNet-18, He et al. 2016 (torchvision layout and names); 3×224×224", build: { resnet18() }),
        Entry(name: "resnet34", description: "ResNet-34, He et al. 2016 (torchvision layout and names); 3×224×224", build: { resnet34() }),
        Entry(name: "resnet50", description: "ResNet-50 v1.5, He et al. 2016 (torchvision layout and names, stride in the 3×3); 3×224×224", build: { resnet50() }),
        Entry(name: "resnet20-cifar", description: "ResNet-20 for CIFAR-10, He et al. 2016 §4.2, 1×1 projection shortcuts; 3×32×32", build: { resnetCIFAR(n: 3) }),
        Entry(name: "resnet56-cifar", description: "ResNet-56 for CIFAR-10, He et al. 2016 §4.2, 1×1 projection shortcuts; 3×32×32", build: { resnetCIFAR(n: 9) }),
        Entry(name: "mobilenet_v2", description: "MobileNet v2, Sandler et al. 2018: inverted residuals, depthwise 3×3, ReLU6 (torchvision layout and names); 3×224×224", build: { mobilenetV2() }),
        Entry(name: "mobilenet_v3_small", description: "MobileNet v3 small, Howard et al. 2019: squeeze-and-excitation, hard swish (torchvision layout and names); 3×224×224", build: { mobilenetV3Small() }),
        Entry(name: "efficientnet_b0", description: "EfficientNet-B0, Tan & Le 2019: MBConv, squeeze-and-excitation, SiLU, stochastic depth (torchvision layout and names); 3×224×224", build: { efficientnetB0() }),
        Entry(name: "densenet121", description: "DenseNet-121, Huang et al. 2017: dense blocks of 6, 12, 24, 16 layers, growth 32 (torchvision layout and names); 3×224×224", build: { densenet121() }),
        Entry(name: "squeezenet1_0", description: "SqueezeNet 1.0, Iandola et al. 2016: fire modules (torchvision layout and names); 3×224×224", build: { squeezenet10() }),
        Entry(name: "shufflenet_v2_x1_0", description: "ShuffleNet v2 ×1.0, Ma et al. 2018: channel split and shuffle (torchvision layout and names); 3×224×224", build: { shufflenetV2() }),
        Entry(name: "googlenet", description: "GoogLeNet, Szegedy et al. 2015, torchvision's inference form (BatchNorm, no auxiliary classifiers); 3×224×224", build: { googlenet() }),
        Entry(name: "unet", description: "U-Net, Ronneberger et al. 2015: unpadded 3×3 convs 64…1024, 2×2 up-convolutions, copy and crop; 1×572×572 → 2×388×388", build: { unet() }),
        Entry(name: "airbench94", description: "airbench94, Jordan 2024: 2×2 whitening conv, three 3×3 conv groups (64, 256, 256), GELU, BatchNorm; 3×32×32", build: { airbench94() }),
    ]

    /// Names of all zoo models.
    public static var names: [String] { entries.map(\.name) }

    /// The architecture of a zoo model, or `nil` if there is none by that name.
    public static func model(named name: String) -> Architecture? {
        entries.first { $0.name == name.lowercased() }?.build()
    }
}
