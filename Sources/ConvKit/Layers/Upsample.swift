import ConvKitKernels

/// Upsampling of NCHW activations `C×H×W` to `C×H'×W'` by nearest-neighbour or bilinear
/// interpolation (PyTorch's `nn.Upsample`, with `recompute_scale_factor` unset).
///
/// Exactly one of `scaleFactor` (output `H' = ⌊H·scale⌋` per axis, computed in double as PyTorch
/// does) and `size` (`H'×W'` given) sets the output. Sources follow PyTorch's CPU kernels
/// (``InterpolationAxis``): nearest output row i reads row `min(⌊i·q⌋, H − 1)` with `q = 1/scale`
/// when a scale factor is given and `H/H'` otherwise (in float; i itself when H' = H, `i >> 1`
/// when H' = 2H); bilinear reads rows `h0 = min(⌊x⌋, H − 1)` and `h1 = h0 + 1` (h0 on the last
/// row) with weights `1 − λ`, `λ = x − h0`, where `x = max((i + ½)·q − ½, 0)`, or with
/// `alignCorners` `x = i·(H − 1)/(H' − 1)`; the same along columns. `alignCorners` is for bilinear
/// only: PyTorch rejects it with nearest (and so does this layer when it is true).
///
/// Costs: units = `C·H'·W'`; no parameters, 0 MACs; connections = units × 1 (nearest) or
/// units × 4 (bilinear: the four taps PyTorch's kernel multiplies, also where one has weight 0).
///
/// Receptive field (see ``ReceptiveField``): the jump is multiplied by the ratio q — `1/s` for an
/// integer scale factor s (a fraction `1/2` for ×2), else the exact fraction of the scale factor
/// (`2/3` for 1.5) or `H/H'` for a given size, `(H − 1)/(H' − 1)` with `alignCorners`; the reach
/// is 0 for nearest (the field keeps its size: `r` stays, `j = j_in/s`) and 1 input unit for
/// bilinear (two neighbours), 0 when `H' = H` (a copy).
public struct Upsample: LeafLayer {
    /// The interpolation mode.
    public enum Mode: String, Sendable, CaseIterable {
        /// Nearest neighbour (PyTorch's `nearest`, the default).
        case nearest
        /// Bilinear interpolation between the four neighbours.
        case bilinear
    }

    /// A scale factor per axis, height and width.
    public struct ScaleFactor: Hashable, Sendable, CustomStringConvertible {
        public var height: Double
        public var width: Double
        public init(_ height: Double, _ width: Double) {
            self.height = height
            self.width = width
        }
        /// The same factor on both axes.
        public init(_ both: Double) { self.init(both, both) }
        /// `2`, `1.5` or `[2, 3]`, as a spec writes it.
        public var description: String {
            func text(_ value: Double) -> String {
                value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
            }
            return height == width ? text(height) : "[\(text(height)), \(text(width))]"
        }
    }

    public var name: String
    public var mode: Mode
    /// PyTorch's `align_corners` (bilinear only).
    public var alignCorners: Bool
    /// The scale factor (PyTorch's `scale_factor`), or nil when `size` is given.
    public var scaleFactor: ScaleFactor?
    /// The output size `H'×W'` (PyTorch's `size`), or nil when `scaleFactor` is given.
    public var size: Size2?

    public var kind: String { "Upsample" }

    /// Either a scale factor or a size, as PyTorch takes them (validated by ``outputShape(for:path:)``).
    public init(_ name: String, scaleFactor: ScaleFactor?, size: Size2?, mode: Mode = .nearest, alignCorners: Bool = false) {
        self.name = name
        self.scaleFactor = scaleFactor
        self.size = size
        self.mode = mode
        self.alignCorners = alignCorners
    }

    /// Upsampling by `scaleFactor` on both axes (default ×2).
    public init(_ name: String, scaleFactor: Double = 2, mode: Mode = .nearest, alignCorners: Bool = false) {
        self.init(name, scaleFactor: ScaleFactor(scaleFactor), size: nil, mode: mode, alignCorners: alignCorners)
    }

    /// Upsampling to `size`.
    public init(_ name: String, size: Size2, mode: Mode = .nearest, alignCorners: Bool = false) {
        self.init(name, scaleFactor: nil, size: size, mode: mode, alignCorners: alignCorners)
    }

    /// Output rows from `input` rows and a scale factor: `⌊H·scale⌋` in double, with its arithmetic.
    static func scaledLength(_ input: Int, _ scale: Double, path: String) throws -> (length: Int, formula: String) {
        let value = (Double(input) * scale).rounded(.down)
        // A length must fit the spec integers' range (so every later product stays within 64 bits).
        guard value >= 1, value <= Double(SpecNode.maximumInteger) else {
            throw ConvKitError.invalidLayer(layer: path, reason: "output size ⌊\(input)·\(ScaleFactor(scale))⌋ must be between 1 and \(SpecNode.maximumInteger.grouped), found \(value)")
        }
        let length = Int(value)
        return (length, "⌊\(input)·\(ScaleFactor(scale))⌋ = \(length)")
    }

    /// Validates the layer against `input` and returns the output size with its arithmetic.
    func geometry(for input: Shape, path: String) throws -> (height: Int, width: Int, formulas: [String]) {
        try requireRank(input, 3, path: path, expected: "C×H×W")
        if alignCorners && mode == .nearest {
            throw ConvKitError.invalidLayer(layer: path, reason: "align_corners can only be set with an interpolating mode (bilinear), found mode nearest")
        }
        switch (scaleFactor, size) {
        case (nil, nil):
            throw ConvKitError.invalidLayer(layer: path, reason: "either scale_factor or size must be given")
        case (.some, .some):
            throw ConvKitError.invalidLayer(layer: path, reason: "only one of scale_factor and size may be given")
        case let (nil, .some(size)):
            guard size.height > 0, size.width > 0 else {
                throw ConvKitError.invalidLayer(layer: path, reason: "size must be positive, found \(size)")
            }
            return (size.height, size.width, ["H' = \(size.height), W' = \(size.width) (size)"])
        case let (.some(scale), nil):
            for value in [scale.height, scale.width] where !(value.isFinite && value > 0) {
                throw ConvKitError.invalidLayer(layer: path, reason: "scale_factor must be positive, found \(value)")
            }
            let h = try Self.scaledLength(input.dimensions[1], scale.height, path: path)
            let w = try Self.scaledLength(input.dimensions[2], scale.width, path: path)
            return (h.length, w.length, ["H' = " + h.formula, "W' = " + w.formula])
        }
    }

    public func outputShape(for input: Shape, path: String) throws -> Shape {
        let (h, w, _) = try geometry(for: input, path: path)
        return [input.dimensions[0], h, w]
    }

    public func shapeFormula(input: Shape, output: Shape) -> [String] {
        (try? geometry(for: input, path: name).formulas) ?? []
    }

    /// Input pixels each output reads: 1 (nearest) or 4 (bilinear).
    var taps: Int { mode == .nearest ? 1 : 4 }

    public func cost(input: Shape, output: Shape, path: String) throws -> LayerCost {
        let units = try Count.units(of: output, "units of \(path)")
        let connections = try Count.product([(units.value, "\(units.value.grouped) units"), (taps, "\(taps) (\(mode.rawValue))")],
                                            "connections of \(path)")
        return LayerCost(units: units, connections: connections)
    }

    /// The scale factor given along an axis (nil when the size is given).
    private func scale(_ axis: KeyPath<ScaleFactor, Double>) -> Double? { scaleFactor?[keyPath: axis] }

    /// Input units per output unit along one axis (`n` input, `m` output positions) and its text.
    func ratio(_ n: Int, _ m: Int, scale: Double?) -> (value: Rational, text: String) {
        if mode == .bilinear && alignCorners {
            return m > 1 ? (Rational(n - 1, m - 1), "(\(n)−1)/(\(m)−1)") : (0, "0")
        }
        if let scale {
            // The exact fraction 1/scale when the scale factor is p/q with q ≤ 64 (2, 1.5, 0.5), else n/m.
            for q in 1...64 {
                let p = scale * Double(q)
                if p == p.rounded(), p >= 1, p <= Double(SpecNode.maximumInteger) {
                    return (Rational(q, Int(p)), "1/\(ScaleFactor(scale))")
                }
            }
        }
        return (Rational(n, m), "\(n)/\(m)")
    }

    /// Input units one output reaches beyond its first: 0 for nearest and for a copy (H' = H), 1 for bilinear.
    func reach(_ n: Int, _ m: Int) -> Rational { mode == .bilinear && n != m ? 1 : 0 }

    public func receptiveField(after field: ReceptiveField, input: Shape, path: String) throws -> ReceptiveField {
        let output = try outputShape(for: input, path: path)
        let (h, w, oh, ow) = (input.dimensions[1], input.dimensions[2], output.dimensions[1], output.dimensions[2])
        return try field.upsampled(reach: (reach(h, oh), reach(w, ow)),
                                   ratio: (ratio(h, oh, scale: scale(\.height)).value, ratio(w, ow, scale: scale(\.width)).value))
    }

    public func receptiveFieldFormula(from before: ReceptiveField, to after: ReceptiveField, input: Shape) -> String {
        guard let output = try? outputShape(for: input, path: name) else { return after.formula(from: before) }
        let (h, oh) = (input.dimensions[1], output.dimensions[1])
        return after.upsamplingFormula(from: before, reach: reach(h, oh).description, ratio: ratio(h, oh, scale: scale(\.height)).text)
    }

    /// The taps along one axis, PyTorch's rule.
    func axis(_ n: Int, _ m: Int, scale: Double?) -> InterpolationAxis {
        mode == .nearest ? .nearest(inputSize: n, outputSize: m, scale: scale)
            : .linear(inputSize: n, outputSize: m, alignCorners: alignCorners, scale: scale)
    }

    /// Output row i reads row `index0(i)` (nearest) or rows `index0(i)` and `index1(i)` (bilinear),
    /// likewise columns, of its own channel. The unclipped extent maps rows `[r0, r1]`, first
    /// clamped to the output, to `[index0(r0), index0(r1) + reach]`: the second bilinear tap
    /// counts before PyTorch clamps it to the last row.
    public func inputPositions(of mask: PixelMask, input: Shape, output: Shape, path: String) throws -> PixelMask {
        let (h, w, oh, ow) = (input.dimensions[1], input.dimensions[2], output.dimensions[1], output.dimensions[2])
        let rows = axis(h, oh, scale: scale(\.height)), columns = axis(w, ow, scale: scale(\.width))
        var bits = [Bool](repeating: false, count: h * w)
        for i in 0..<mask.height {
            for j in 0..<mask.width where mask[i, j] {
                for a in [rows.index0[i], rows.index1[i]] {
                    for b in [columns.index0[j], columns.index1[j]] { bits[a * w + b] = true }
                }
            }
        }
        func span(_ range: ClosedRange<Int>, _ taps: InterpolationAxis, _ reach: Rational) -> ClosedRange<Int> {
            let last = taps.index0.count - 1
            let (low, high) = (min(max(range.lowerBound, 0), last), min(max(range.upperBound, 0), last))
            return taps.index0[low]...(taps.index0[high] + reach.ceiling)
        }
        return PixelMask(height: h, width: w, bits: bits, unclippedRows: span(mask.unclippedRows, rows, reach(h, oh)),
                         unclippedColumns: span(mask.unclippedColumns, columns, reach(w, ow)))
    }
}

extension Upsample: InstantiableLayer {
    public func makeRuntime(input: Shape, path: String, random: inout RandomGenerator) throws -> any LayerRuntime {
        let output = try outputShape(for: input, path: path)
        let (h, w, oh, ow) = (input.dimensions[1], input.dimensions[2], output.dimensions[1], output.dimensions[2])
        return UpsampleRuntime(path: path, input: input, output: output, rows: axis(h, oh, scale: scale(\.height)),
                               columns: axis(w, ow, scale: scale(\.width)), bilinear: mode == .bilinear)
    }
}

/// Upsampling through ``upsampleForward(_:planes:height:width:rows:columns:bilinear:y:threads:)``
/// and its backward (nearest: each output gradient added to its source pixel; bilinear: spread
/// over the four taps with their weights).
final class UpsampleRuntime: StatelessRuntime {
    let path: String
    let input: Shape, output: Shape
    let rows: InterpolationAxis, columns: InterpolationAxis
    let bilinear: Bool
    private var outputBuffer = Tensor(shape: [0])
    private var gradientBuffer = Tensor(shape: [0])

    init(path: String, input: Shape, output: Shape, rows: InterpolationAxis, columns: InterpolationAxis, bilinear: Bool) {
        self.path = path
        self.input = input
        self.output = output
        self.rows = rows
        self.columns = columns
        self.bilinear = bilinear
    }

    func forward(_ x: Tensor, _ context: inout RunContext) throws -> Tensor {
        try x.requireShape(input, path: path)
        var y = reuse(&outputBuffer, shape: [x.batch] + output.dimensions)
        upsampleForward(x.storage, planes: x.batch * input.dimensions[0], height: input.dimensions[1], width: input.dimensions[2],
                        rows: rows, columns: columns, bilinear: bilinear, y: &y.storage, threads: context.threads)
        outputBuffer = y
        return y
    }

    func backward(_ dy: Tensor, _ context: inout RunContext) throws -> Tensor {
        try dy.requireShape(output, path: path)
        var dx = reuse(&gradientBuffer, shape: [dy.batch] + input.dimensions)
        upsampleBackward(dy.storage, planes: dy.batch * input.dimensions[0], height: input.dimensions[1], width: input.dimensions[2],
                         rows: rows, columns: columns, bilinear: bilinear, dx: &dx.storage, threads: context.threads)
        gradientBuffer = dx
        return dx
    }
}

extension Upsample: SpecKind {
    static let specType = "upsample"
    static let specPrefix = "up"
    static func specBlank(named name: String) -> Upsample { Upsample(name, scaleFactor: nil, size: nil) }
    static var specExample: (layer: Upsample, input: Shape) {
        (Upsample("up", size: Size2(5, 7), mode: .bilinear, alignCorners: true), [2, 3, 4])
    }

    /// `2`, `1.5` or `[2, 3]`: positive, finite.
    static func readScale(_ node: SpecNode) throws -> ScaleFactor {
        func positive(_ item: SpecNode) throws -> Double {
            let value = try item.double("scale_factor")
            guard value > 0 else { throw item.error("scale_factor must be positive, found \(value)") }
            return value
        }
        guard node.node.sequence != nil else { return ScaleFactor(try positive(node)) }
        let items = try node.list("scale_factor")
        guard items.count == 2 else { throw node.error("scale_factor must be a number or [height, width], found \(items.count) values") }
        return ScaleFactor(try positive(items[0]), try positive(items[1]))
    }

    static var specKeys: [SpecKey<Upsample>] {
        [
            .value("mode", \.mode, .optional, type: "nearest or bilinear", doc: "how outputs are interpolated",
                   read: { node, what in
                       guard let text = node.scalarText?.lowercased(), let value = Mode(rawValue: text) else {
                           throw node.error("\(what) must be nearest or bilinear")
                       }
                       return value
                   }, write: \.rawValue),
            SpecKey(name: "scale_factor", requirement: .optional(default: "2"), typeText: "number or [h, w], > 0",
                    doc: "output size ⌊H·scale⌋; 2 unless size is given",
                    decode: { node, layer, _ in layer.scaleFactor = try readScale(node) },
                    encode: { layer in layer.scaleFactor.flatMap { $0 == ScaleFactor(2) ? nil : .inline($0.description) } },
                    fillAbsent: { layer in if layer.size == nil { layer.scaleFactor = ScaleFactor(2) } }),
            SpecKey(name: "size", requirement: .optional(default: "none"), typeText: "int or [h, w]",
                    doc: "output height and width, instead of scale_factor",
                    decode: { node, layer, _ in
                        guard layer.scaleFactor == nil else { throw node.error("give either scale_factor or size, not both") }
                        layer.size = try node.size2("size")
                    },
                    encode: { layer in layer.size.map { .inline(SpecText.size($0)) } }),
            .bool("align_corners", \.alignCorners, doc: "bilinear: corner pixels of input and output aligned"),
        ]
    }
}
