import Testing
@testable import ConvKitKernels

@Suite struct Im2colTests {
    static let geometries: [WindowGeometry] = [
        // 2×5×6 input, 3×3 kernel, stride 1, pad 1 → 5×6
        WindowGeometry(channels: 2, height: 5, width: 6, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                       padTop: 1, padLeft: 1, dilationHeight: 1, dilationWidth: 1, outputHeight: 5, outputWidth: 6),
        // stride 2, pad 2, dilation 2, rectangular kernel 3×2: ⌊(7+4−4−1)/2⌋+1 = 4, ⌊(8+4−2−1)/2⌋+1 = 5
        WindowGeometry(channels: 3, height: 7, width: 8, kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 2,
                       padTop: 2, padLeft: 2, dilationHeight: 2, dilationWidth: 2, outputHeight: 4, outputWidth: 5),
        // no padding, 5×5 on 8×8 → 4×4
        WindowGeometry(channels: 1, height: 8, width: 8, kernelHeight: 5, kernelWidth: 5, strideHeight: 1, strideWidth: 1,
                       padTop: 0, padLeft: 0, dilationHeight: 1, dilationWidth: 1, outputHeight: 4, outputWidth: 4),
    ]

    /// im2col against the definition, element by element.
    @Test(arguments: geometries)
    func matchesDefinition(g: WindowGeometry) {
        let x = GemmTests.values(g.channels * g.height * g.width, seed: 7)
        var col = [Float](repeating: .nan, count: g.columnRows * g.columnCount)
        im2col(x, g, into: &col)
        for c in 0..<g.channels { for i in 0..<g.kernelHeight { for j in 0..<g.kernelWidth {
            let row = (c * g.kernelHeight + i) * g.kernelWidth + j
            for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
                let y = oy * g.strideHeight - g.padTop + i * g.dilationHeight
                let xx = ox * g.strideWidth - g.padLeft + j * g.dilationWidth
                let expected: Float = (y >= 0 && y < g.height && xx >= 0 && xx < g.width) ? x[(c * g.height + y) * g.width + xx] : 0
                #expect(col[row * g.columnCount + oy * g.outputWidth + ox] == expected)
            } }
        } } }
    }

    /// col2im is the adjoint of im2col: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩.
    @Test(arguments: geometries)
    func col2imIsTheAdjoint(g: WindowGeometry) {
        let x = GemmTests.values(g.channels * g.height * g.width, seed: 8)
        let y = GemmTests.values(g.columnRows * g.columnCount, seed: 9)
        var col = [Float](repeating: 0, count: y.count)
        im2col(x, g, into: &col)
        var back = [Float](repeating: 0, count: x.count)
        col2im(y, g, into: &back)
        let left = zip(col, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(left - right) < 1e-4)
    }
}
