// airbench94: K. Jordan, "94% on CIFAR-10 in 3.29 Seconds on a Single GPU", arXiv 2404.00498 (2024),
// the network of `make_net94` in the `airbench` package (airbench/lib_airbench94.py, 0.1.8), 3×32×32.
//
// A 2×2 convolution 3 → 24 with bias and no padding (the "whitening" layer; 24 = 2·3·2² filters),
// GELU; three `ConvGroup`s of [3×3 'same' convolution without bias, 2×2 max-pool, BatchNorm, GELU,
// 3×3 'same' convolution without bias, BatchNorm, GELU] with 64, 256 and 256 channels on 31×31,
// 15×15 and 7×7 maps; a 3×3 max-pool (3×3 → 1×1); flatten; a linear layer 256 → 10 without bias.
// Names and state_dict keys are airbench's `nn.Sequential` indices (`0.weight`, `2.conv1.weight`,
// `2.norm1.running_mean`, `7.weight`), so a ConvKit checkpoint loads strictly into `make_net94()`.
// BatchNorm has airbench's eps 1e-12 and momentum 0.4 in PyTorch's convention (airbench's 0.6 is
// 1 − PyTorch's).
// Deviations: the trailing `Mul(1/9)` of the logits and the training recipe (whitening weights
// computed from the data and frozen, BatchNorm weights frozen at 1, Dirac init of the 3×3
// convolutions) are not part of the architecture; they belong to the airbench94 training recipe.
// ConvKit names the second GELU of a group `activ2` (PyTorch reuses one parameter-free `activ`
// module), which changes no state_dict key. Float32 throughout (airbench runs half precision on a GPU).
extension Zoo {
    /// airbench's `ConvGroup`: conv1, pool, norm1, GELU, conv2, norm2, GELU.
    static func airbenchConvGroup(_ name: String, inputs: Int, outputs: Int) -> Sequential {
        func norm(_ name: String) -> BatchNorm { BatchNorm(name, .two, features: outputs, epsilon: 1e-12, momentum: 0.4) }
        return Sequential(name: name, [
            Conv2d("conv1", inChannels: inputs, outChannels: outputs, kernel: Size2(3), padding: .same, bias: false),
            MaxPool2d("pool", kernel: 2), norm("norm1"), GELU("activ"),
            Conv2d("conv2", inChannels: outputs, outChannels: outputs, kernel: Size2(3), padding: .same, bias: false),
            norm("norm2"), GELU("activ2"),
        ])
    }

    /// airbench94 (Jordan 2024): 1,972,792 parameters, 118,147,360 MACs at 3×32×32.
    public static func airbench94() -> Architecture {
        let layers: [any Layer] = [
            Conv2d("0", 3, 24, kernel: 2), GELU("1"),
            airbenchConvGroup("2", inputs: 24, outputs: 64),
            airbenchConvGroup("3", inputs: 64, outputs: 256),
            airbenchConvGroup("4", inputs: 256, outputs: 256),
            MaxPool2d("5", kernel: 3), Flatten("6"), Linear("7", 256, 10, bias: false),
        ]
        return Architecture(name: "airbench94", input: [3, 32, 32], layers: layers, notes: [
            "Source: Jordan 2024 (arXiv 2404.00498), airbench 0.1.8 make_net94: state_dict keys are its nn.Sequential indices.",
            "Deviation: no Mul(1/9) on the logits, and PyTorch's default init; the airbench94 recipe's whitening, frozen BatchNorm weights and Dirac init are training choices.",
        ])
    }
}
