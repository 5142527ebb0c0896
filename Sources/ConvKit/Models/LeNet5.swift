// LeNet-5 for CIFAR-10 as in PyTorch's "Training a Classifier" tutorial (the `Net` class):
// conv 3→6 5×5, ReLU, max-pool 2, conv 6→16 5×5, ReLU, max-pool 2, flatten,
// linear 400→120, ReLU, 120→84, ReLU, 84→10. Parameter names match the tutorial's state_dict
// (`conv1.weight`, `fc3.bias`); the tutorial reuses one `pool` module, here each use has a row.
extension Zoo {
    /// LeNet-5 for 3×32×32 inputs (62,006 parameters, 651,720 MACs).
    public static func lenet5() -> Architecture {
        Architecture(name: "lenet5", input: [3, 32, 32], layers: [
            Conv2d("conv1", 3, 6, kernel: 5), ReLU("relu1"), MaxPool2d("pool1", kernel: 2),
            Conv2d("conv2", 6, 16, kernel: 5), ReLU("relu2"), MaxPool2d("pool2", kernel: 2),
            Flatten("flatten"),
            Linear("fc1", 400, 120), ReLU("relu3"),
            Linear("fc2", 120, 84), ReLU("relu4"),
            Linear("fc3", 84, 10),
        ], notes: ["Source: PyTorch tutorial 'Training a Classifier' (CIFAR-10), the LeNet-5 shape on 3×32×32 inputs."])
    }
}
