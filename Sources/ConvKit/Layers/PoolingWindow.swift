/// The window geometry shared by max and average pooling (one window per channel).
///
/// Output per axis `⌊(H + 2p − d(k−1) − 1)/s⌋ + 1` (⌈·⌉ in ceil mode, where the last window
/// must start inside the input or the left padding, as in PyTorch). Padding may be at most
/// half the kernel. Costs: no parameters, no MACs; connections = units · kh · kw.
public struct PoolingWindow: Hashable, Sendable {
    public var kernel: Size2
    public var stride: Size2
    /// Zeros above and to the left (and below and to the right unless ``paddingEnd`` says otherwise).
    public var padding: Size2
    /// Zeros below and to the right when they differ from ``padding`` (ONNX's asymmetric `pads`;
    /// PyTorch's pooling has none), nil for symmetric padding.
    public var paddingEnd: Size2?
    public var dilation: Size2
    public var ceilMode: Bool

    /// `stride` defaults to the kernel size, as in PyTorch.
    public init(kernel: Size2, stride: Size2? = nil, padding: Size2 = Size2(0), paddingEnd: Size2? = nil, dilation: Size2 = Size2(1),
                ceilMode: Bool = false) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.paddingEnd = paddingEnd == padding ? nil : paddingEnd
        self.dilation = dilation
        self.ceilMode = ceilMode
    }

    /// The padding on all four sides.
    var sides: Padding {
        paddingEnd.map { .normalized(top: padding.height, bottom: $0.height, left: padding.width, right: $0.width) } ?? .explicit(padding)
    }

    func outputShape(for input: Shape, path: String) throws -> Shape {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        let end = paddingEnd ?? padding
        guard max(padding.height, end.height) <= kernel.height / 2, max(padding.width, end.width) <= kernel.width / 2 else {
            let which = paddingEnd == nil ? "padding \(padding)" : "padding \(sides)"
            throw ConvKitError.invalidLayer(layer: path, reason: "\(which) must be at most half the kernel \(kernel)\(paddingEnd == nil ? "" : " on every side")")
        }
        let (h, w, _) = try SlidingWindow.output(layer: path, input: input, kernel: kernel, stride: stride,
                                                 padding: sides, dilation: dilation, ceilMode: ceilMode)
        return [input.dimensions[0], h, w]
    }

    func shapeFormula(input: Shape) -> [String] {
        (try? SlidingWindow.output(layer: "", input: input, kernel: kernel, stride: stride, padding: sides,
                                   dilation: dilation, ceilMode: ceilMode).formulas) ?? []
    }

    func cost(output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let connections = try Count.product([(units.value, units.value.grouped), (kernel.height, "\(kernel.height)"),
                                             (kernel.width, "\(kernel.width)")], "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    func receptiveField(after field: ReceptiveField) throws -> ReceptiveField {
        try field.through(effectiveKernel: (dilation.height * (kernel.height - 1) + 1, dilation.width * (kernel.width - 1) + 1),
                          stride: stride.tuple)
    }
}

import ConvKitKernels

extension PoolingWindow {
    func geometry(input: Shape, output: Shape) -> WindowGeometry {
        WindowGeometry(channels: input.dimensions[0], height: input.dimensions[1], width: input.dimensions[2],
                       kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height, strideWidth: stride.width,
                       padTop: padding.height, padLeft: padding.width, dilationHeight: dilation.height, dilationWidth: dilation.width,
                       outputHeight: output.dimensions[1], outputWidth: output.dimensions[2],
                       padBottom: (paddingEnd ?? padding).height, padRight: (paddingEnd ?? padding).width)
    }
}

/// Max or average pooling, plane by plane (one plane = one channel of one image), by the
/// pooling kernels (``maxPoolForward`` and friends).
final class PoolingRuntime: StatelessRuntime {
    enum Mode { case max, average(countIncludePad: Bool) }
    let path: String
    let input: Shape, output: Shape
    let g: WindowGeometry
    let mode: Mode
    private var argmax: [Int32] = []
    private var savedBatch = 0
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])

    init(path: String, input: Shape, output: Shape, geometry: WindowGeometry, mode: Mode) {
        self.path = path
        self.input = input
        self.output = output
        self.g = geometry
        self.mode = mode
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        let planes = x.batch * input.dimensions[0]
        let (inPlane, outPlane) = (g.height * g.width, g.outputHeight * g.outputWidth)
        var y = reuse(&outputBuffer, shape: [x.batch] + output.dimensions)
        if case .max = mode, argmax.count < planes * outPlane { argmax = [Int32](repeating: -1, count: planes * outPlane) }
        let chunks = elementwiseChunks(planes * inPlane, threads: context.threads, items: planes)
        switch mode {
        case .max:
            maxPoolForward(x.storage, g, planes: planes, y: &y.storage, argmax: &argmax, chunks: chunks, threads: context.threads)
        case let .average(includePad):
            averagePoolForward(x.storage, g, planes: planes, countIncludePad: includePad, y: &y.storage, chunks: chunks,
                               threads: context.threads)
        }
        savedBatch = x.batch
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        let planes = dy.batch * input.dimensions[0]
        let inPlane = g.height * g.width
        var dx = reuse(&gradientBuffer, shape: [dy.batch] + input.dimensions)
        let chunks = elementwiseChunks(planes * inPlane, threads: context.threads, items: planes)
        switch mode {
        case .max:
            maxPoolBackward(dy.storage, argmax: argmax, g, planes: planes, dx: &dx.storage, chunks: chunks, threads: context.threads)
        case let .average(includePad):
            averagePoolBackward(dy.storage, g, planes: planes, countIncludePad: includePad, dx: &dx.storage, chunks: chunks,
                                threads: context.threads)
        }
        gradientBuffer = dx
        return dx
    }
}

extension PoolingWindow {
    /// The spec keys of a pooling layer's window, stored at `window`: `kernel_size`, `stride`
    /// (default: the kernel size, as in PyTorch), `padding`, `ceil_mode`. Dilation is the kind's
    /// own key (average pooling has none).
    static func specKeys<L: SpecKind>(_ window: WritableKeyPath<L, PoolingWindow>) -> [SpecKey<L>] {
        [
            .size2("kernel_size", window.appending(path: \.kernel), .required, doc: "window height and width"),
            SpecKey(name: "stride", requirement: .optional(default: "kernel_size"), typeText: "int or [h, w]",
                    doc: "step between windows",
                    decode: { node, layer, _ in layer[keyPath: window].stride = try node.size2("stride") },
                    encode: { layer in
                        let w = layer[keyPath: window]
                        return w.stride == w.kernel ? nil : .inline(SpecText.size(w.stride))
                    },
                    fillAbsent: { layer in layer[keyPath: window].stride = layer[keyPath: window].kernel }),
            SpecKey(name: "padding", requirement: .optional(default: "0"), typeText: "int, [h, w] or [top, bottom, left, right], ≥ 0",
                    doc: "implicit padding, at most half the kernel",
                    decode: { node, layer, _ in
                        let (t, b, l, r) = try node.paddingSides("padding").sides
                        layer[keyPath: window].padding = Size2(t, l)
                        layer[keyPath: window].paddingEnd = t == b && l == r ? nil : Size2(b, r)
                    },
                    encode: { layer in
                        let w = layer[keyPath: window]
                        if let end = w.paddingEnd { return .inline(SpecText.list([w.padding.height, end.height, w.padding.width, end.width])) }
                        return w.padding == Size2(0) ? nil : .inline(SpecText.size(w.padding))
                    }),
            .bool("ceil_mode", window.appending(path: \.ceilMode), doc: "rounds the output size up"),
        ]
    }
}
