// The Inception module: C. Szegedy et al., "Going deeper with convolutions", CVPR 2015,
// Fig. 2 (a) naive and (b) with dimension reductions. Here on a 256×32×32 input with branches
// 1×1 conv 128; 3×3 conv 192 (pad 1); 5×5 conv 96 (pad 2); 3×3 max-pool stride 1 pad 1.
// The bottleneck version puts a 1×1 conv of 64 before the 3×3 and the 5×5 and after the pool.
// All convolutions have biases and are followed by ReLU, as in the paper.
extension Zoo {
    private static func conv(_ name: String, _ out: Int, _ k: Int) -> [any Layer] {
        [Conv2d(name, nil, out, kernel: k, padding: k / 2), ReLU(name + "_relu")]
    }

    /// Naive Inception module on 256×32×32: output 672×32×32.
    public static func inceptionNaive() -> Architecture {
        Architecture(name: "inception-naive", input: [256, 32, 32], layers: [
            Concat(name: "", branches: [
                Sequential(name: "branch1", conv("conv1x1", 128, 1)),
                Sequential(name: "branch2", conv("conv3x3", 192, 3)),
                Sequential(name: "branch3", conv("conv5x5", 96, 5)),
                Sequential(name: "branch4", [MaxPool2d("pool", kernel: 3, stride: 1, padding: 1)]),
            ]),
        ], notes: ["Source: Szegedy et al., CVPR 2015, Fig. 2(a), with the filter counts of this example."])
    }

    /// Inception module with 1×1 bottlenecks of 64 on 256×32×32: output 480×32×32.
    public static func inceptionBottleneck() -> Architecture {
        Architecture(name: "inception-bottleneck", input: [256, 32, 32], layers: [
            Concat(name: "", branches: [
                Sequential(name: "branch1", conv("conv1x1", 128, 1)),
                Sequential(name: "branch2", conv("reduce", 64, 1) + conv("conv3x3", 192, 3)),
                Sequential(name: "branch3", conv("reduce", 64, 1) + conv("conv5x5", 96, 5)),
                Sequential(name: "branch4", [MaxPool2d("pool", kernel: 3, stride: 1, padding: 1)] + conv("proj", 64, 1)),
            ]),
        ], notes: ["Source: Szegedy et al., CVPR 2015, Fig. 2(b): 1×1 reductions before the 3×3 and 5×5, projection after the pool."])
    }
}
