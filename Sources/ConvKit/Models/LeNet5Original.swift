// LeNet-5 as published: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning
// applied to document recognition", Proc. IEEE, 1998 (section II.B, Fig. 2, Table I).
// Input 1×32×32. C1: 6 maps 5×5. S2: trainable 2×2 subsampling (one coefficient and one bias
// per map). C3: 16 maps 5×5 connected to the S2 maps of Table I. S4: subsampling. C5: 120 maps
// 5×5 (a full convolution on the 5×5 S4 maps). F6: 84 units.
// Deviations: the scaled squashing f(a) = 1.7159·tanh(2a/3) is modelled as Tanh (same counts);
// the output layer of 10 Euclidean RBF units (840 centre coordinates, no bias) is modelled as a
// bias-free Linear 84→10, which has the same 840 parameters and 840 connections.
extension Zoo {
    /// Table I of the paper: for each of C3's 16 maps, the S2 maps it takes input from.
    public static let lenet5C3Table: [[Int]] = [
        [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
        [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
        [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
        [0, 1, 2, 3, 4, 5],
    ]

    /// LeNet-5 of LeCun et al. 1998 on 1×32×32.
    public static func lenet5Original() -> Architecture {
        Architecture(name: "lenet5-1998", input: [1, 32, 32], layers: [
            Conv2d("C1", 1, 6, kernel: 5), Tanh("squash1"),
            Subsampling("S2", kernel: 2), Tanh("squash2"),
            Conv2d("C3", inChannels: 6, outChannels: 16, kernel: Size2(5), connectionTable: lenet5C3Table), Tanh("squash3"),
            Subsampling("S4", kernel: 2), Tanh("squash4"),
            Conv2d("C5", 16, 120, kernel: 5), Tanh("squash5"),
            Flatten("flatten"),
            Linear("F6", 120, 84), Tanh("squash6"),
            Linear("output", 84, 10, bias: false),
        ], notes: [
            "Source: LeCun, Bottou, Bengio, Haffner, Proc. IEEE 1998, Fig. 2 and Table I.",
            "Squashing 1.7159·tanh(2a/3) is shown as Tanh; the RBF output (840 centres, no bias) as a bias-free Linear 84→10.",
            "C3 uses the paper's partial connection table: 60 S2→C3 map links, so 60·25 weights + 16 biases = 1,516 params.",
        ])
    }
}
