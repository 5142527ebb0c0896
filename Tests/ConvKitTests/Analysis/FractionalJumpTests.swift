import Testing
@testable import ConvKit

/// Receptive fields with fractional jumps (after upsampling): the ``Rational`` they use and the
/// rules of ``ReceptiveField`` for base units, reach and step.
@Suite struct FractionalJumpTests {
    @Test func rationalsAreReducedAndRounded() throws {
        #expect(Rational(4, 8) == Rational(1, 2))
        #expect(Rational(3, -6).description == "-1/2")
        #expect(Rational(6, 3).isWhole && Rational(6, 3).description == "2")
        #expect(Rational(0, 5) == 0)
        // ⌈3/2⌉ = 2, ⌈−1/2⌉ = 0, ⌈−3/2⌉ = −1, ⌈4⌉ = 4.
        #expect([Rational(3, 2), Rational(-1, 2), Rational(-3, 2), Rational(4)].map(\.ceiling) == [2, 0, -1, 4])
        #expect(Rational(1, 3) < Rational(1, 2) && Rational(-1, 2) < 0 && !(Rational(2, 4) < Rational(1, 2)))
        // 1/2 + 1/3 = 5/6; 2/3 · 3/4 = 1/2.
        #expect(try Rational.sum(Rational(1, 2), Rational(1, 3), "t") == Rational(5, 6))
        #expect(try Rational.product(Rational(2, 3), Rational(3, 4), "t") == Rational(1, 2))
        let error = expectConvKitError { _ = try Rational.product(Rational(Int.max / 2), 3, "jump") }
        #expect(error == .overflow(what: "jump"))
    }

    /// Whole jumps follow the classic rule, unchanged: 1 + (3−1)·1 = 3, jump 2; then 3 + (3−1)·2 = 7, jump 2.
    @Test func wholeJumpsKeepTheClassicRule() throws {
        let field = try ReceptiveField.pixel.through(effectiveKernel: (3, 3), stride: (2, 2)).through(effectiveKernel: (3, 3), stride: (1, 1))
        #expect(field == ReceptiveField(size: (7, 7), jump: (2, 2)))
        #expect(field.largestJump == 2)
    }

    /// On the image (base: a pixel): a stride-2 transposed 3×3 convolution reaches δ = (3 − 2)/2 = 1/2
    /// beyond one input: r = 1 + ⌈1/2⌉·1 = 2, j = 1/2. A 3×3 convolution after it: ρ = 1/2 + 2·1/2 = 3/2,
    /// r = 1 + ⌈3/2⌉ = 3, j = 1/2. A 1×1 stride-2 layer: σ = 1/2·2 = 1, rebased at r = 3, j = 1.
    @Test func upsamplingOnTheImage() throws {
        let up = try ReceptiveField.pixel.upsampled(reach: (Rational(1, 2), Rational(1, 2)), ratio: (Rational(1, 2), Rational(1, 2)))
        #expect(up.size == (2, 2) && up.jump == (Rational(1, 2), Rational(1, 2)))
        let conv = try up.through(effectiveKernel: (3, 3), stride: (1, 1))
        #expect(conv.size == (3, 3) && conv.jump == (Rational(1, 2), Rational(1, 2)))
        #expect(conv.formula(from: up) == "r = 1 + ⌈1/2 + 1⌉·1 = 3, j = 1·1/2 = 1/2")
        let back = try conv.through(effectiveKernel: (1, 1), stride: (2, 2))
        #expect(back == ReceptiveField(size: (3, 3), jump: (1, 1)))
        #expect(back.formula(from: conv) == "r = 1 + 2·1 = 3, j = 1·1 = 1")
    }

    /// After an encoder (r 5, j 16), a ×2 nearest upsampling keeps r 5 with j 8; a 2-tap window
    /// then reads two neighbouring upsampled units, which may come from two encoder units:
    /// ρ = 0 + 1·1/2 = 1/2, r = 5 + ⌈1/2⌉·16 = 21 (the largest over positions, not 5 + 8).
    @Test func upsamplingAfterAnEncoderCountsWholeEncoderUnits() throws {
        let encoder = ReceptiveField(size: (5, 5), jump: (16, 16))
        let up = try encoder.upsampled(reach: (0, 0), ratio: (Rational(1, 2), Rational(1, 2)))
        #expect(up.size == (5, 5) && up.largestJump == 8)
        let conv = try up.through(effectiveKernel: (2, 2), stride: (1, 1))
        #expect(conv.size == (21, 21) && conv.largestJump == 8)
    }

    /// A merge takes per axis the larger field and the larger jump: (3, 1/2) ∪ (2, 1) = (3, 1).
    @Test func unionTakesTheLargerFieldAndJump() throws {
        let fractional = try ReceptiveField.pixel.upsampled(reach: (Rational(1, 2), 0), ratio: (Rational(1, 2), 1))
            .through(effectiveKernel: (3, 1), stride: (1, 1))
        let whole = ReceptiveField(size: (2, 1), jump: (1, 1))
        let merged = fractional.union(whole)
        #expect(merged.size == (3, 1) && merged.jump == (1, 1))
        #expect(whole.union(whole) == whole)
    }
}

/// How summaries print fractional jumps: `1/2` in the table, `0.5` in JSON and CSV.
@Suite struct FractionalJumpRenderingTests {
    @Test func tableJSONAndCSV() throws {
        let model = Architecture(name: "up", input: [1, 4, 6], layers: [Upsample("up", scaleFactor: Upsample.ScaleFactor(2, 1), size: nil)])
        let summary = try Summary(model)
        let table = SummaryRenderer.render(summary, format: .table)
        // Height jump 1/2, width 1: `1/2×1`.
        #expect(table.contains("1/2×1"), "\(table)")
        let json = SummaryRenderer.render(summary, format: .json)
        #expect(json.contains("\"jump\": 1") && json.contains("\"jump_hw\": [0.5, 1]"), "\(json)")
        let csv = SummaryRenderer.render(summary, format: .csv)
        #expect(csv.hasSuffix(",1,1\n"), "\(csv)")
        let half = try Summary(Architecture(name: "up", input: [1, 4, 4], layers: [Upsample("up")]))
        #expect(SummaryRenderer.render(half, format: .json).contains("\"jump\": 0.5"))
        #expect(SummaryRenderer.render(half, format: .csv).hasSuffix(",1,0.5\n"))
    }
}
