// U-Net: O. Ronneberger, P. Fischer, T. Brox, "U-Net: Convolutional Networks for Biomedical Image
// Segmentation", MICCAI 2015, Fig. 1.
//
// `unet`: 1×572×572 → 2×388×388. The contracting path has four levels of two unpadded 3×3
// convolutions with ReLU (64, 128, 256, 512 channels; `down1` … `down4`), each followed by 2×2 max
// pooling (`pool1` …), then two 3×3 convolutions to 1024 (`bottom`). Each expanding level `upK`
// (K = 4 … 1) starts with a 2×2 up-convolution of stride 2 that halves the channels (`upconvK`),
// crops the contracting level's map to its size (`cropK`, a centre crop: 64 → 56, 136 → 104, 280 →
// 200, 568 → 392), concatenates the crop and the up-convolution (`catK`, the crop's channels first),
// and applies two 3×3 convolutions with ReLU. A final 1×1 convolution gives the 2 classes (`final`).
// Every convolution and up-convolution has a bias (PyTorch's default). Deviations: none in the
// architecture; the paper initialises weights from N(0, √(2/N)) and trains with a weighted
// cross-entropy over pixels, ConvKit initialises with PyTorch's layer defaults, and `convkit train`
// has no per-pixel loss: the model is for counting, prediction and weight interchange. There is no
// torchvision twin; scripts/crosscheck-pytorch.py compares it with a PyTorch module written from the
// same description.
extension Zoo {
    /// Two unpadded 3×3 convolutions with ReLU, named `name`.
    static func unetLevel(_ name: String, _ inputs: Int, _ outputs: Int) -> Sequential {
        Sequential(name: name, [Conv2d("conv1", inputs, outputs, kernel: 3), ReLU("relu1"), Conv2d("conv2", outputs, outputs, kernel: 3), ReLU("relu2")])
    }

    /// U-Net (Ronneberger et al. 2015, Fig. 1): 31,030,658 parameters, 150,428,424,448 MACs at 1×572×572 → 2×388×388.
    public static func unet() -> Architecture {
        var layers: [any Layer] = []
        var links: [String: [String]] = [:]
        var channels = 1
        let widths = [64, 128, 256, 512]
        for (index, width) in widths.enumerated() {
            layers.append(unetLevel("down\(index + 1)", channels, width))
            layers.append(MaxPool2d("pool\(index + 1)", kernel: 2, stride: 2))
            channels = width
        }
        layers.append(unetLevel("bottom", channels, 1024))
        channels = 1024
        for (index, width) in widths.enumerated().reversed() {
            let level = index + 1
            layers.append(ConvTranspose2d("upconv\(level)", channels, width, kernel: 2, stride: 2))
            layers.append(CenterCrop("crop\(level)"))
            links["crop\(level)"] = ["down\(level)", "upconv\(level)"]
            layers.append(Concat(name: "cat\(level)", branches: []))
            links["cat\(level)"] = ["crop\(level)", "upconv\(level)"]
            layers.append(unetLevel("up\(level)", 2 * width, width))
            channels = width
        }
        layers.append(Conv2d("final", channels, 2, kernel: 1))
        return Architecture(name: "unet", input: [1, 572, 572], body: Sequential(name: "", layers, inputs: links),
                            notes: ["Source: Ronneberger et al., MICCAI 2015, Fig. 1: unpadded 3×3 convolutions, 2×2 up-convolutions, copy and crop."])
    }
}
