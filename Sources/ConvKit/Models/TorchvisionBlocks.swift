// Building blocks shared by the torchvision twins (torchvision.ops.misc and the models' helpers), with
// torchvision's names so that state_dict keys fall out of the structure.
extension Zoo {
    /// torchvision's `_make_divisible(v, 8)`: v rounded to the nearest multiple of `divisor` (at
    /// least `divisor`), one more multiple if that lost over 10 % of v.
    static func makeDivisible(_ value: Double, _ divisor: Int = 8) -> Int {
        var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
        if Double(rounded) < 0.9 * value { rounded += divisor }
        return rounded
    }

    /// `Conv2dNormActivation`: a `kernel`×`kernel` convolution without bias (padding (k−1)/2·d),
    /// batch norm, and `activation` when given; named `0`, `1`, `2` under `name`.
    static func convNormActivation(_ name: String, _ inputs: Int, _ outputs: Int, kernel: Int = 3, stride: Int = 1, groups: Int = 1,
                                   dilation: Int = 1, epsilon: Double = BatchNorm.defaultEpsilon, momentum: Double = BatchNorm.defaultMomentum,
                                   activation: ((String) -> any Layer)?) -> Sequential {
        var layers: [any Layer] = [
            Conv2d("0", inputs, outputs, kernel: kernel, stride: stride, padding: (kernel - 1) / 2 * dilation, dilation: dilation,
                   groups: groups, bias: false),
            BatchNorm("1", .two, features: outputs, epsilon: epsilon, momentum: momentum),
        ]
        if let activation { layers.append(activation("2")) }
        return Sequential(name: name, layers)
    }

    /// `torchvision.ops.SqueezeExcitation`: global average (`avgpool`), 1×1 convolutions with bias
    /// `fc1` (to `squeeze` channels) and `fc2` (back), `activation` between and `scale_activation`
    /// after, then the input times that per-channel scale (`scale`, a ``Mul``; torchvision's
    /// `scale * input` has no module).
    static func squeezeExcitation(_ name: String, channels: Int, squeeze: Int, activation: (String) -> any Layer,
                                  scaleActivation: (String) -> any Layer) -> Sequential {
        Sequential(name: name, [
            AdaptiveAvgPool2d("avgpool", outputSize: Size2(1)),
            Conv2d("fc1", channels, squeeze, kernel: 1), activation("activation"),
            Conv2d("fc2", squeeze, channels, kernel: 1), scaleActivation("scale_activation"),
            Mul("scale"),
        ], inputs: ["scale": ["scale_activation", Sequential.inputName]])
    }
}
