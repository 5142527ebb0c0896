import ConvKitKernels

/// The centre `h×w` window of each plane of a `C×H×W` input (U-Net's copy-and-crop), as
/// torchvision's `center_crop`: top `round((H − h)/2)`, left `round((W − w)/2)`, with Python's
/// rounding (halves to even: a 5-pixel margin puts 2 above and 3 below). The size comes from
/// `size` (`[h, w]`), or, without it, from a second input's `H×W` (`inputs: [x, reference]`):
/// the reference's values are not read and get a zero gradient.
///
/// Costs: units only (a copy: no parameters, MACs or connections). Receptive field and jump: those
/// of `x`, unchanged. Positions: output (i, j) reads (i + top, j + left) of `x`.
/// Backward: ∂L/∂y written back into the window, zeros around it.
public struct CenterCrop: MergeLayer, InstantiableLayer {
    public var name: String
    /// The crop size, or `nil` to take it from the second input.
    public var size: Size2?
    public var kind: String { "CenterCrop" }
    public init(_ name: String, size: Size2? = nil) {
        self.name = name
        self.size = size
    }

    /// The crop's height and width for these inputs, checked.
    func window(_ inputs: [Shape], path: String) throws -> Size2 {
        guard let x = inputs.first, x.rank == 3 else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "a C×H×W input", found: inputs.first?.description ?? "none")
        }
        let target: Size2
        if let size {
            guard inputs.count == 1 else {
                throw ConvKitError.invalidLayer(layer: path, reason: "centercrop with a size reads one input, but \(inputs.count) are named")
            }
            target = size
        } else {
            guard inputs.count == 2, inputs[1].rank == 3 else {
                throw ConvKitError.invalidLayer(layer: path, reason: "centercrop needs a size, or two inputs (the tensor and a C×H×W reference whose size it takes); found \(inputs.count)")
            }
            target = Size2(inputs[1][1], inputs[1][2])
        }
        guard target.height >= 1, target.width >= 1, target.height <= x[1], target.width <= x[2] else {
            throw ConvKitError.shapeMismatch(layer: path, expected: "an input at least \(target.height)×\(target.width) to crop to \(target.height)×\(target.width)", found: x.description)
        }
        return target
    }

    /// Python's `int(round(margin / 2))`: halves go to the even neighbour.
    static func offset(margin: Int) -> Int {
        let half = margin / 2
        return margin % 2 == 0 || half % 2 == 0 ? half : half + 1
    }

    public func outputShape(for inputs: [Shape], path: String) throws -> Shape {
        let target = try window(inputs, path: path)
        return [inputs[0][0], target.height, target.width]
    }
    public func cost(inputs: [Shape], output: Shape, path: String) throws -> LayerCost { try LayerCost.elementwise(output: output) }
    public func shapeFormula(inputs: [Shape], output: Shape) -> [String] {
        guard let x = inputs.first, x.rank == 3, output.rank == 3 else { return [] }
        let (top, left) = (Self.offset(margin: x[1] - output[1]), Self.offset(margin: x[2] - output[2]))
        return ["rows \(top) ..< \(top + output[1]), columns \(left) ..< \(left + output[2]) of \(x[1])×\(x[2]) (top = round((\(x[1]) − \(output[1]))/2), left = round((\(x[2]) − \(output[2]))/2))"]
    }
    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField { field }
    public func receptiveField(merging fields: [ReceptiveField], inputs: [Shape], path: String) throws -> ReceptiveField { fields[0] }
    public func inputPositions(of mask: PixelMask, inputs: [Shape], output: Shape, path: String) throws -> [PixelMask?] {
        let x = inputs[0]
        let (top, left) = (Self.offset(margin: x[1] - output[1]), Self.offset(margin: x[2] - output[2]))
        let shift = WindowRule(kernel: Size2(1), stride: Size2(1), padding: Size2(-top, -left), dilation: Size2(1))
        return [mask.throughWindow(shift, inputHeight: x[1], inputWidth: x[2])] + inputs.dropFirst().map { _ in nil }
    }

    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        try makeMergeRuntime(inputs: [input], path: path)
    }
    public func makeMergeRuntime(inputs: [Shape], path: String) throws -> any MergeRuntime {
        let output = try outputShape(for: inputs, path: path)
        return CenterCropRuntime(path: path, inputs: inputs, output: output,
                                 top: Self.offset(margin: inputs[0][1] - output[1]), left: Self.offset(margin: inputs[0][2] - output[2]))
    }
}

/// Forward: each output row copied from its input row; backward: the rows written back into a
/// zeroed ∂L/∂x, and zeros for the reference.
final class CenterCropRuntime: MergeRuntime, StatelessRuntime {
    let path: String
    let inputs: [Shape], output: Shape
    let top: Int, left: Int
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])
    private var referenceGradient = Tensor(shape: [0])

    init(path: String, inputs: [Shape], output: Shape, top: Int, left: Int) {
        self.path = path
        self.inputs = inputs
        self.output = output
        self.top = top
        self.left = left
    }

    func forward(_ xs: [Tensor], _ context: inout RunContext) throws -> Tensor {
        guard xs.count == inputs.count else {
            throw ConvKitError.invalidLayer(layer: path, reason: "expected \(inputs.count) inputs, found \(xs.count)")
        }
        for (x, shape) in zip(xs, inputs) { try x.requireShape(shape, path: path) }
        let x = xs[0]
        let (h, w, height, width) = (output[1], output[2], inputs[0][1], inputs[0][2])
        var y = reuse(&outputBuffer, shape: [x.batch] + output.dimensions)
        for plane in 0..<(x.batch * output[0]) {
            for row in 0..<h {
                copyElements(x.storage, from: (plane * height + row + top) * width + left, into: &y.storage, at: (plane * h + row) * w, count: w)
            }
        }
        outputBuffer = y
        return y
    }

    func backward(merging dy: Tensor, _ context: inout RunContext) throws -> [Tensor] {
        try dy.requireShape(output, path: path)
        let (h, w, height, width) = (output[1], output[2], inputs[0][1], inputs[0][2])
        var dx = reuse(&gradientBuffer, shape: [dy.batch] + inputs[0].dimensions, zeroed: true)
        for plane in 0..<(dy.batch * output[0]) {
            for row in 0..<h {
                copyElements(dy.storage, from: (plane * h + row) * w, into: &dx.storage, at: (plane * height + row + top) * width + left, count: w)
            }
        }
        gradientBuffer = dx
        guard inputs.count == 2 else { return [dx] }
        return [dx, zeros(&referenceGradient, shape: [dy.batch] + inputs[1].dimensions)]
    }
}

extension CenterCrop: SpecKind {
    static let specType = "centercrop"
    static let specPrefix = "crop"
    static var specKeys: [SpecKey<CenterCrop>] {
        [SpecKey(name: "size", requirement: .optional(default: "none"), typeText: "int or [h, w], ≥ 1",
                 doc: "crop size; none: the H×W of a second input (inputs: [x, reference])",
                 decode: { node, crop, _ in crop.size = try node.size2("size") },
                 encode: { crop in crop.size.map { .inline(SpecText.size($0)) } })]
    }
    static func specBlank(named name: String) -> CenterCrop { CenterCrop(name) }
    static var specExample: (layer: CenterCrop, input: Shape) { (CenterCrop("crop"), [2, 4, 5]) }
}
