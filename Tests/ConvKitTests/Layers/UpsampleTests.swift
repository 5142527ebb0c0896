import Testing
@testable import ConvKit

/// Upsample: hand-worked forward and backward values for each mode, shapes, costs, receptive
/// fields (alone and in chains, against the position rule) and errors.
@Suite struct UpsampleTests {
    private func run(_ layer: Upsample, _ input: Shape, _ values: [Float]) throws -> (y: Tensor, dx: Tensor) {
        var random = RandomGenerator(seed: 1)
        let runtime = try layer.makeRuntime(input: input, path: layer.name, random: &random)
        var context = RunContext(training: true)
        let y = try runtime.forward(try Tensor(shape: [1] + input.dimensions, values: values), &context)
        let dx = try runtime.backward(try Tensor(shape: y.shape, values: [Float](repeating: 1, count: y.count)), &context)
        return (y, dx)
    }

    /// Nearest ×2: output (i, j) copies input (i >> 1, j >> 1); backward sums the four copies of each pixel.
    @Test func nearestTimesTwo() throws {
        let (y, dx) = try run(Upsample("up"), [1, 2, 2], [1, 2, 3, 4])
        #expect(y.shape == [1, 1, 4, 4])
        #expect(y.storage == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(dx.storage == [4, 4, 4, 4])
    }

    /// Bilinear ×2, align_corners false, on [[0, 4], [8, 12]]: source x = (i + ½)·½ − ½ clamped at 0
    /// gives rows (and columns) 0: x = 0 → weight 1 on 0; 1: x = ¼ → ¾·0 + ¼·1; 2: x = ¾ → ¼·0 + ¾·1;
    /// 3: x = 5/4 → h0 = 1 (last row, h1 = h0), all weight on 1. Row 0 [0, 4] → [0, 1, 3, 4], row 1
    /// [8, 12] → [8, 9, 11, 12]; rows 1 and 2 of the output mix them ¾/¼ and ¼/¾.
    /// Backward with ∂L/∂y = 1: each input pixel collects its weights, per axis 1 + ¾ + ¼ = 2 for
    /// the first and ¼ + ¾ + 1 = 2 for the second (the last row's ¼ on the clamped tap lands on it too): 2·2 = 4.
    @Test func bilinearHalfPixelCentres() throws {
        let (y, dx) = try run(Upsample("up", mode: .bilinear), [1, 2, 2], [0, 4, 8, 12])
        #expect(y.storage == [0, 1, 3, 4,
                              2, 3, 5, 6,
                              6, 7, 9, 10,
                              8, 9, 11, 12])
        #expect(dx.storage == [4, 4, 4, 4])
    }

    /// Bilinear ×2 with align_corners: x = i·(2 − 1)/(4 − 1) = i/3, so y[i, j] = (4j + 8i)/3 on
    /// [[0, 4], [8, 12]] (the corners 0, 4, 8, 12 are kept). Backward: per axis the first pixel collects
    /// 1 + ⅔ + ⅓ + 0 = 2, the second 0 + ⅓ + ⅔ + 1 = 2, so 4 each.
    @Test func bilinearAlignedCorners() throws {
        let (y, dx) = try run(Upsample("up", mode: .bilinear, alignCorners: true), [1, 2, 2], [0, 4, 8, 12])
        for i in 0..<4 {
            for j in 0..<4 {
                #expect(abs(y.storage[i * 4 + j] - Float(4 * j + 8 * i) / 3) < 1e-5, "(\(i), \(j))")
            }
        }
        #expect(dx.storage.allSatisfy { abs($0 - 4) < 1e-5 })
    }

    /// Nearest to size 3×2 from 2×3: rows use in/out = 2/3 (float): ⌊0·⅔⌋ = 0, ⌊1·⅔⌋ = 0, ⌊2·⅔⌋ = 1;
    /// columns 3/2: ⌊0⌋ = 0, ⌊1.5⌋ = 1. [[1, 2, 3], [4, 5, 6]] → [[1, 2], [1, 2], [4, 5]]; with ∂L/∂y = 1,
    /// pixels (0, 0) and (0, 1) are read twice, (1, 0) and (1, 1) once, column 2 never.
    @Test func nearestToAGivenSize() throws {
        let (y, dx) = try run(Upsample("up", size: Size2(3, 2)), [1, 2, 3], [1, 2, 3, 4, 5, 6])
        #expect(y.shape == [1, 1, 3, 2])
        #expect(y.storage == [1, 2, 1, 2, 4, 5])
        #expect(dx.storage == [2, 2, 0, 1, 1, 0])
    }

    /// Bilinear to size 1×3 from 1×2 (a row [2, 6]): columns x = (j + ½)·⅔ − ½ = −⅙ → 0, ½, 7/6 →
    /// 2, ½·2 + ½·6 = 4, 6 (the last clamped to column 1).
    @Test func bilinearToAGivenSize() throws {
        let (y, _) = try run(Upsample("up", size: Size2(1, 3), mode: .bilinear), [1, 1, 2], [2, 6])
        #expect(y.storage.count == 3 && zip(y.storage, [2, 4, 6] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    private func row(_ layer: any Layer, _ input: Shape) throws -> SummaryRow {
        try #require(try Summary(Architecture(name: "t", input: input, layers: [layer])).rows.first)
    }

    @Test func shapesCostsAndFields() throws {
        // Scale 1.5 on 5×3: ⌊5·1.5⌋ = 7, ⌊3·1.5⌋ = 4; nearest: one connection per unit, 2·7·4 = 56.
        let nearest = try row(Upsample("up", scaleFactor: 1.5), [2, 5, 3])
        #expect(nearest.output == [2, 7, 4])
        #expect(nearest.shapeNotes.prefix(2) == ["H' = ⌊5·1.5⌋ = 7", "W' = ⌊3·1.5⌋ = 4"])
        #expect(nearest.cost.units.value == 56 && nearest.cost.connections.value == 56 && nearest.cost.params == 0 && nearest.cost.macs.value == 0)
        // The jump is 1/1.5 = 2/3 of an input pixel; nearest keeps the size 1.
        #expect(nearest.field.size == (1, 1) && nearest.field.jump == (Rational(2, 3), Rational(2, 3)))
        // Bilinear to 5×7 from 3×4: 2·5·7 = 70 units, four taps each: 280.
        let bilinear = try row(Upsample("up", size: Size2(5, 7), mode: .bilinear), [2, 3, 4])
        #expect(bilinear.cost.connections.value == 280)
        #expect(bilinear.cost.connections.formula == "70 units·4 (bilinear) = 280")
        // Two neighbours: r = 1 + ⌈1⌉·1 = 2; jump 3/5 and 4/7.
        #expect(bilinear.field.size == (2, 2) && bilinear.field.jump == (Rational(3, 5), Rational(4, 7)))
        #expect(bilinear.shapeNotes.last == "receptive field: r = 1 + ⌈1⌉·1 = 2, j = 1·3/5 = 3/5 (width: r = 2, j = 4/7)")
        // ×2 nearest: r stays 1, j = 1/2; align_corners on 3 → 5: j = (3−1)/(5−1) = 1/2.
        let twice = try row(Upsample("up"), [1, 4, 4])
        #expect(twice.field.size == (1, 1) && twice.field.largestJump == Rational(1, 2))
        #expect(twice.shapeNotes.last == "receptive field: r = 1 + ⌈0⌉·1 = 1, j = 1·1/2 = 1/2")
        let aligned = try row(Upsample("up", size: Size2(5), mode: .bilinear, alignCorners: true), [1, 3, 3])
        #expect(aligned.field.largestJump == Rational(1, 2) && aligned.field.size == (2, 2))
        // Bilinear to the same size copies (PyTorch's shortcut): r stays 1, j 1.
        #expect(try row(Upsample("up", size: Size2(4), mode: .bilinear), [1, 4, 4]).field == .pixel)
    }

    /// Chains through upsampling layers: the summary's field is the largest unclipped extent over
    /// the output positions of `explain receptive-field`'s walk.
    static let chains: [(String, [any Layer], Shape)] = [
        // ×2 then a 2×2 convolution: two neighbouring upsampled units span one input pixel or two: 1 + ⌈1/2⌉ = 2.
        ("up-conv2", [Upsample("up"), Conv2d("c", 1, 1, kernel: 2)], [1, 6, 6]),
        // Encoder 3×3/2 (r 3, j 2), ×2, 2×2 convolution: 3 + ⌈1/2⌉·2 = 5.
        ("enc-up-conv2", [Conv2d("e", 1, 1, kernel: 3, stride: 2), Upsample("up"), Conv2d("c", 1, 1, kernel: 2)], [1, 13, 13]),
        // Transposed 3×3/2 then a padded 3×3 convolution: reach 1/2 + 2·1/2 = 3/2: 1 + ⌈3/2⌉ = 3.
        ("deconv-conv3", [ConvTranspose2d("d", 1, 1, kernel: 3, stride: 2, padding: 1, outputPadding: 1), Conv2d("c", 1, 1, kernel: 3, padding: 1)], [1, 6, 6]),
        // DCGAN-style 4×4/2 twice: reach 1 + 1·1/2 = 3/2 → 1 + 2 = 3, j = 1/4.
        ("dcgan", [ConvTranspose2d("d1", 1, 1, kernel: 4, stride: 2, padding: 1), ConvTranspose2d("d2", 1, 1, kernel: 4, stride: 2, padding: 1)], [1, 5, 5]),
        // Bilinear ×2 then a 3×3 convolution: reach 1 + 2·1/2 = 2: r = 3.
        ("bilinear-conv3", [Upsample("up", mode: .bilinear), Conv2d("c", 1, 1, kernel: 3)], [1, 6, 6]),
        // Nearest ×2 twice then a 3×3 convolution: reach 2·1/4 = 1/2: r = 2.
        ("up-up-conv3", [Upsample("u1"), Upsample("u2"), Conv2d("c", 1, 1, kernel: 3)], [1, 4, 4]),
        // ×2, 3×3 convolution, stride-2 1×1: the step returns to 1, rebased at r = 1 + ⌈1⌉ = 2, then a 3×3: 2 + 2 = 4.
        ("up-conv-down-conv", [Upsample("up"), Conv2d("c", 1, 1, kernel: 3), Conv2d("s", 1, 1, kernel: 1, stride: 2), Conv2d("t", 1, 1, kernel: 3)], [1, 8, 8]),
    ]

    @Test(arguments: 0..<chains.count)
    func chainFieldIsTheLargestExtentOverPositions(index: Int) throws {
        let (name, layers, input) = Self.chains[index]
        let model = Architecture(name: name, input: input, layers: layers)
        let summary = try Summary(model)
        var (rows, columns) = (0, 0)
        for i in 0..<summary.output.dimensions[1] {
            for j in 0..<summary.output.dimensions[2] {
                let map = try ReceptiveFieldMap(model, at: (i, j))
                rows = max(rows, map.inputMask.unclippedRows.count)
                columns = max(columns, map.inputMask.unclippedColumns.count)
            }
        }
        #expect((rows, columns) == summary.field.size, "\(name): \(summary.field.size)")
    }

    /// The position rule agrees with the forward pass: with all-positive weights, output (i, j)
    /// of a one-hot input at (a, b) is non-zero exactly where the rule lists (a, b) — except bilinear
    /// taps of weight 0, which the rule lists (they are wired, as the connection count says).
    @Test(arguments: [Upsample("up", scaleFactor: 3), Upsample("up", size: Size2(5, 7)), Upsample("up", scaleFactor: Upsample.ScaleFactor(1.5, 0.6), size: nil),
                      Upsample("up", size: Size2(5, 7), mode: .bilinear), Upsample("up", scaleFactor: 2.5, mode: .bilinear, alignCorners: true)])
    func positionRuleMatchesTheForwardPass(layer: Upsample) throws {
        let input: Shape = [1, 3, 4]
        let output = try layer.outputShape(for: input, path: "up")
        var random = RandomGenerator(seed: 1)
        let runtime = try layer.makeRuntime(input: input, path: "up", random: &random)
        let (h, w, oh, ow) = (3, 4, output.dimensions[1], output.dimensions[2])
        var reads = [[Bool]](repeating: [Bool](repeating: false, count: h * w), count: oh * ow)
        for pixel in 0..<(h * w) {
            var x = Tensor(shape: [1] + input.dimensions)
            x.storage[pixel] = 1
            var context = RunContext(training: false)
            let y = try runtime.forward(x, &context)
            for out in 0..<(oh * ow) where y.storage[out] != 0 { reads[out][pixel] = true }
        }
        for i in 0..<oh {
            for j in 0..<ow {
                let mask = try layer.inputPositions(of: PixelMask(height: oh, width: ow, pixel: (i, j)), input: input, output: output, path: "up")
                // Every pixel the forward pass reads is listed; listed pixels it does not read carry weight 0.
                #expect(zip(reads[i * ow + j], mask.bits).allSatisfy { !$0 || $1 }, "output (\(i), \(j))")
                if layer.mode == .nearest { #expect(mask.bits == reads[i * ow + j], "output (\(i), \(j))") }
            }
        }
    }

    @Test func errorsNameTheLayer() throws {
        let aligned = expectConvKitError { _ = try Upsample("up", alignCorners: true).outputShape(for: [1, 4, 4], path: "dec.up") }
        #expect(aligned == .invalidLayer(layer: "dec.up", reason: "align_corners can only be set with an interpolating mode (bilinear), found mode nearest"))
        let neither = expectConvKitError { _ = try Upsample("up", scaleFactor: nil, size: nil).outputShape(for: [1, 4, 4], path: "up") }
        #expect(neither == .invalidLayer(layer: "up", reason: "either scale_factor or size must be given"))
        let both = expectConvKitError { _ = try Upsample("up", scaleFactor: Upsample.ScaleFactor(2), size: Size2(3)).outputShape(for: [1, 4, 4], path: "up") }
        #expect(both == .invalidLayer(layer: "up", reason: "only one of scale_factor and size may be given"))
        // ⌊5·0.1⌋ = 0 rows.
        let empty = expectConvKitError { _ = try Upsample("up", scaleFactor: 0.1).outputShape(for: [1, 5, 20], path: "up") }
        #expect(empty == .invalidLayer(layer: "up", reason: "output size ⌊5·0.1⌋ must be between 1 and 2,147,483,647, found 0.0"))
        let negative = expectConvKitError { _ = try Upsample("up", scaleFactor: -2).outputShape(for: [1, 5, 5], path: "up") }
        #expect(negative == .invalidLayer(layer: "up", reason: "scale_factor must be positive, found -2.0"))
        // In a spec: both keys, and align_corners with nearest.
        let spec = expectConvKitError {
            _ = try ModelSpec.parse(yaml: "input: [1, 4, 4]\nlayers:\n  - {type: upsample, scale_factor: 2, size: [8, 8]}\n")
        }
        #expect(spec == .specError(file: "<spec>", line: 3, column: 45, reason: "give either scale_factor or size, not both"))
        let specAligned = expectConvKitError {
            _ = try Summary(ModelSpec.parse(yaml: "input: [1, 4, 4]\nlayers:\n  - {type: upsample, name: up, align_corners: true}\n"))
        }
        #expect(specAligned == .invalidLayer(layer: "up", reason: "align_corners can only be set with an interpolating mode (bilinear), found mode nearest"))
        let zero = expectConvKitError { _ = try ModelSpec.parse(yaml: "input: [1, 4, 4]\nlayers:\n  - {type: upsample, scale_factor: [2, 0]}\n") }
        #expect(zero?.description.contains("scale_factor must be positive, found 0.0") == true)
    }

    /// Spec round trip of the scale factor: 2 is the default (omitted), 1.5 and [2, 3] are written back.
    @Test func scaleFactorSpelling() throws {
        for (text, written) in [("2", nil), ("2.0", nil), ("1.5", "1.5"), ("[2, 3]", "[2, 3]"), ("[1.5, 1.5]", "1.5")] as [(String, String?)] {
            let model = try ModelSpec.parse(yaml: "input: [1, 4, 4]\nlayers:\n  - {type: upsample, scale_factor: \(text)}\n")
            let emitted = try SpecEmitter.emit(model)
            if let written { #expect(emitted.contains("scale_factor: \(written)"), "\(emitted)") } else { #expect(!emitted.contains("scale_factor"), "\(emitted)") }
        }
        let bare = try ModelSpec.parse(yaml: "input: [1, 4, 4]\nlayers:\n  - upsample\n")
        #expect(try Summary(bare).output == [1, 8, 8])
    }
}
