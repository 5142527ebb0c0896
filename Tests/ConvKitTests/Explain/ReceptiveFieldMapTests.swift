import Foundation
import Testing
@testable import ConvKit

/// Receptive fields of single output positions, walked backward layer by layer.
@Suite struct ReceptiveFieldMapTests {
    static let stack = Repository.path("examples/receptive-field.yaml")

    func rows(_ mask: PixelMask) throws -> ClosedRange<Int> { try #require(mask.bounds).rows }
    func columns(_ mask: PixelMask) throws -> ClosedRange<Int> { try #require(mask.bounds).columns }

    /// conv 3×3 p1 → pool 2/2 → conv 3×3 p1 → pool 2/2 on 32×32; pool2 is 8×8, centre (3, 3):
    /// pool2 (3,3) → conv2 rows 6…7 → (k3, p1) pool1 rows 5…8 → (k2, s2) conv1 rows 10…17
    /// → (k3, p1) input rows 9…18: 10 rows, the summary's receptive field 10.
    @Test func centreOfTheStack() throws {
        let map = try ReceptiveFieldMap(try ModelSource.resolve(Self.stack))
        #expect(map.layer == "pool2")
        #expect(map.position == (3, 3))
        #expect(map.steps.map(\.layer) == ["pool2", "conv2", "pool1", "conv1", "input"])
        let expected: [ClosedRange<Int>] = [3...3, 6...7, 5...8, 10...17, 9...18]
        for (step, range) in zip(map.steps, expected) {
            #expect(try rows(step.mask) == range, "\(step.layer)")
            #expect(try columns(step.mask) == range, "\(step.layer)")
            #expect(step.mask.unclippedRows == range)
        }
        #expect(map.inputMask.count == 100)
    }

    /// Corner (0, 0): pool2 → conv2 rows 0…1 → pool1 −1…2, clipped 0…2 → conv1 −2…5, clipped 0…5
    /// → input −3…6, clipped 0…6. Unclipped size 10 (the receptive field), clipped 7×7 = 49 pixels.
    @Test func cornerOfTheStack() throws {
        let map = try ReceptiveFieldMap(try ModelSource.resolve(Self.stack), at: (0, 0))
        #expect(try rows(map.steps[2].mask) == 0...2 && map.steps[2].mask.unclippedRows == -1...2)
        #expect(try rows(map.steps[3].mask) == 0...5 && map.steps[3].mask.unclippedRows == -2...5)
        #expect(try rows(map.inputMask) == 0...6 && (try columns(map.inputMask)) == 0...6)
        #expect(map.inputMask.unclippedRows == -3...6 && map.inputMask.unclippedColumns == -3...6)
        #expect(map.inputMask.count == 49)
    }

    /// A 3×3 kernel with dilation 2 reads rows i−2, i, i+2 (padding 2): 9 pixels in a 5×5 rectangle.
    @Test func dilationLeavesHoles() throws {
        let model = Architecture(name: "dilated", input: [1, 9, 9], layers: [Conv2d("conv", 1, 1, kernel: 3, padding: 2, dilation: 2)])
        let map = try ReceptiveFieldMap(model, at: (4, 4))
        #expect(try rows(map.inputMask) == 2...6 && (try columns(map.inputMask)) == 2...6)
        #expect(map.inputMask.count == 9)
        #expect(map.inputMask[2, 2] && !map.inputMask[3, 3] && map.inputMask[4, 6])
        #expect(map.inputMask.picture().lines[2] == "··#·#·#··")
    }

    /// Inception (naive) at the centre (15, 15) of 32×32: branches 1×1 → 15, 3×3 p1 → 14…16,
    /// 5×5 p2 → 13…17, max-pool 3×3 p1 → 14…16; the union is 13…17.
    @Test func concatIsTheUnionOfBranches() throws {
        let map = try ReceptiveFieldMap(try ModelSource.resolve("inception-naive"))
        #expect(map.layer == "concat")
        #expect(try rows(map.inputMask) == 13...17)
        #expect(map.inputMask.count == 25)
        // A position inside one branch sees only that branch.
        let branch = try ReceptiveFieldMap(try ModelSource.resolve("inception-naive"), layer: "branch2.conv3x3", at: (15, 15))
        #expect(try rows(branch.inputMask) == 14...16)
        #expect(branch.steps.map(\.layer) == ["branch2.conv3x3", "input"])
    }

    /// The unclipped extent walked position by position has the size the summary computes with
    /// r_out = r_in + (k−1)·j_in, for the last spatial layer of every zoo model; in a network with a
    /// broadcast product (squeeze-and-excitation), where that arithmetic carries the squeeze's
    /// whole-map field on as if it grew with every later window, at most that size.
    @Test(arguments: Zoo.names)
    func unclippedSizeMatchesTheSummary(model: String) throws {
        let architecture = try ModelSource.resolve(model)
        let map = try ReceptiveFieldMap(architecture)
        let summary = try summaryJSON(model)
        let row = try #require(try rowsByName(summary)[map.layer])
        let field = try #require(row["receptive_field_hw"] as? [Int])
        let rows = try Summary(architecture).rows
        let outputs = Dictionary(rows.map { ($0.name, $0.output) }, uniquingKeysWith: { first, _ in first })
        let broadcast = rows.contains { row in row.kind == "Mul" && Set(row.inputs.compactMap { outputs[$0] }).count == 2 }
        let fractional = rows.contains { !$0.field.height.isWhole || !$0.field.width.isWhole }
        if broadcast {
            #expect(map.inputMask.unclippedRows.count <= field[0] && map.inputMask.unclippedColumns.count <= field[1])
        } else if fractional {
            // After upsampling the field is the largest over positions, which repeat with the
            // jumps' period (16 in U-Net's decoder): take the largest over 16 diagonal positions.
            var (largestRows, largestColumns) = (0, 0)
            let target = map.steps[0].shape
            for offset in 0..<16 {
                let at = try ReceptiveFieldMap(architecture, layer: map.layer, at: (min(offset, target[1] - 1), min(offset, target[2] - 1)))
                largestRows = max(largestRows, at.inputMask.unclippedRows.count)
                largestColumns = max(largestColumns, at.inputMask.unclippedColumns.count)
            }
            #expect(largestRows == field[0] && largestColumns == field[1])
        } else {
            #expect(map.inputMask.unclippedRows.count == field[0])
            #expect(map.inputMask.unclippedColumns.count == field[1])
        }
    }

    @Test func badPositionAndLayerAreErrors() throws {
        let model = try ModelSource.resolve(Self.stack)
        let outside = expectConvKitError { _ = try ReceptiveFieldMap(model, at: (8, 0)) }
        #expect(outside?.description == "invalid value for --at: 8,0 is outside the 8×8 output of 'pool2': rows 0…7, columns 0…7")
        let unknown = expectConvKitError { _ = try ReceptiveFieldMap(model, layer: "conv9") }
        #expect(unknown?.description.contains("no layer 'conv9' in receptive-field; layers with a C×H×W output: conv1, pool1, conv2, pool2") == true)
        let vector = expectConvKitError { _ = try ReceptiveFieldMap(try ModelSource.resolve("lenet5"), layer: "fc1") }
        #expect(vector?.description.contains("'fc1' has output 120, not C×H×W") == true)
    }

    @Test func pictureIsDownscaledForLargeInputs() throws {
        let map = try ReceptiveFieldMap(try ModelSource.resolve("vgg16"), layer: "features.4", at: (0, 0))
        let picture = map.inputMask.picture()
        // 224 / 64 → 4×4 pixel blocks: 56 characters per line, 56 lines.
        #expect(picture.factor == 4 && picture.lines.count == 56 && picture.lines[0].count == 56)
        #expect(picture.lines[0].hasPrefix("#"))
    }

    @Test func reportTextAndJSON() throws {
        let text = try ReceptiveFieldReport.run(model: Self.stack, at: "0,0").text
        #expect(text.contains("Input rectangle: rows 0…6, columns 0…6 (7×7 = 49 pixels, all of which reach it)"))
        #expect(text.contains("Unclipped extent: rows -3…6, columns -3…6 (10×10; the part outside the image is padding)"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try ReceptiveFieldReport.run(model: Self.stack, format: .json).text.utf8)) as? [String: Any])
        #expect(json["rows"] as? [Int] == [9, 18] && json["columns"] as? [Int] == [9, 18])
        #expect(json["at"] as? [Int] == [3, 3] && json["layer"] as? String == "pool2")
        #expect((json["steps"] as? [[String: Any]])?.count == 5)
    }
}
