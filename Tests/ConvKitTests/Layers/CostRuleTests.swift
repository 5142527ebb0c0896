import Testing
@testable import ConvKit

/// Cost formulas of individual layers, each worked out by hand.
@Suite struct CostRuleTests {
    private func row(_ layer: any Layer, _ input: Shape) throws -> SummaryRow {
        let summary = try Summary(Architecture(name: "t", input: input, layers: [layer]))
        return try #require(summary.rows.first)
    }

    @Test func groupedConvolution() throws {
        // 8 → 12 channels, groups 4, 3×3 on 5×5 → 12×3×3: each output sees 8/4 = 2 channels.
        let r = try row(Conv2d("g", 8, 12, kernel: 3, groups: 4), [8, 5, 5])
        #expect(r.cost.weights.value == 12 * 2 * 3 * 3)        // 216
        #expect(r.cost.macs.value == 3 * 3 * 12 * (2 * 3 * 3))  // 108 units · 18 = 1,944
        #expect(r.cost.connections.value == 1_944 + 108)        // + one bias per unit
        #expect(r.cost.weights.formula == "12·(8/4)·3·3 = 216")
    }

    @Test func maxPoolConnections() throws {
        // 3×3/2 on 4×13×13 → 4×6×6 = 144 units, each wired to 9 inputs → 1,296.
        let r = try row(MaxPool2d("p", kernel: 3, stride: 2), [4, 13, 13])
        #expect(r.cost.units.value == 144)
        #expect(r.cost.connections.value == 1_296)
        #expect(r.cost.macs.value == 0 && r.cost.params == 0)
    }

    @Test func adaptivePoolingCountsEveryWindow() throws {
        // 5 → 3 outputs: windows [0,2), [1,4), [3,5) → lengths 2, 3, 2 (sum 7) on each axis.
        #expect(AdaptiveAvgPool2d.windows(5, 3) == [2, 3, 2])
        let r = try row(AdaptiveAvgPool2d("a", outputSize: Size2(3)), [2, 5, 5])
        // Σ_i Σ_j rows(i)·cols(j) = 7·7 = 49 per channel, 2 channels → 98.
        #expect(r.cost.connections.value == 98)
    }

    @Test func localResponseNormClipsWindowsAtEdges() throws {
        // size 5 over 4 channels: windows [0,2], [0,3], [0,3], [1,3] → 3 + 4 + 4 + 3 = 14 links.
        #expect(LocalResponseNorm.windowLengths(channels: 4, size: 5) == [3, 4, 4, 3])
        let r = try row(LocalResponseNorm("n", size: 5), [4, 2, 2])
        #expect(r.cost.connections.value == 14 * 4)
    }

    @Test func batchNormCountsAffineParameters() throws {
        let r = try row(BatchNorm("bn", .two), [16, 4, 4])
        #expect(r.cost.weights.value == 16)  // γ
        #expect(r.cost.biases.value == 16)   // β
        #expect(r.cost.macs.value == 0 && r.cost.connections.value == 0)
        let plain = try row(BatchNorm("bn", .one, affine: false), [16])
        #expect(plain.cost.params == 0)
    }

    @Test func memoryIsFourBytesPerValue() throws {
        let r = try row(Linear("fc", 10, 5), [10])
        #expect(r.cost.activationBytes == 5 * 4)
        #expect(r.cost.parameterBytes == (50 + 5) * 4)
    }

    @Test func receptiveFieldThroughDilationAndConcat() throws {
        // Dilated 3×3, d = 2: k_eff = 5, r = 1 + 4 = 5.
        #expect(try row(Conv2d("d", 1, 1, kernel: 3, dilation: 2), [1, 9, 9]).field.size == (5, 5))
        // Concat of a 1×1 and a 5×5 branch: the larger field, 5.
        let concat = Concat(name: "c", branches: [
            Sequential(name: "a", [Conv2d("k1", nil, 2, kernel: 1)]),
            Sequential(name: "b", [Conv2d("k5", nil, 2, kernel: 5, padding: 2)]),
        ])
        let summary = try Summary(Architecture(name: "t", input: [1, 8, 8], layers: [concat]))
        #expect(summary.field.size == (5, 5))
        #expect(summary.rows.map(\.name) == ["c.a.k1", "c.b.k5", "c"])
    }
}
