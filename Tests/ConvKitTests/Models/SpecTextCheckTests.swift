import Foundation
import Testing
@testable import ConvKit

/// Nesting and anchors are refused before the YAML composer (which recurses once per level and
/// expands aliases) sees the text.
@Suite struct SpecTextCheckTests {
    @Test func deepNestingIsRefusedWithItsPosition() throws {
        let path = Repository.fixture("specs/deep-nesting.yaml")
        let error = expectConvKitError { _ = try ModelSpec.load(file: path) }
        // Line 3 is "layers: " + 2,000 "[": the line starts at column 0 (block bound 2·(0 + 1) = 2), so
        // the 999th "[" (1-based column 8 + 999 = 1,007) makes 999 + 2 > 1,000.
        #expect(error == .specError(file: path, line: 3, column: 1_007,
                                    reason: "nesting too deep: brackets 999 levels deep in lines indented up to 0 columns; spec files may nest at most 1000 levels"))
    }

    @Test func anchorsAreRefused() throws {
        let path = Repository.fixture("specs/anchors.yaml")
        let error = expectConvKitError { _ = try ModelSpec.load(file: path) }
        // "a0: &a0 [0, 0]" is line 3; the "&" is its 5th character.
        #expect(error == .specError(file: path, line: 3, column: 5, reason: "anchors and aliases (&name, *name) are not supported in spec files"))
    }

    /// The deepest spec ConvKit accepts, 64 nested sequentials, passes in block and in flow style.
    @Test func sixtyFourLevelsOfSequentialsPass() throws {
        var block = "input: [4]\nlayers:\n"
        var indent = "  "
        for level in 0..<63 {
            block += "\(indent)- type: sequential\n\(indent)  name: s\(level)\n\(indent)  layers:\n"
            indent += "    "
        }
        block += "\(indent)- relu\n"
        #expect(try Summary(try ModelSpec.parse(yaml: block)).rows.count == 1)
        let flow = "input: [4]\nlayers: " + String(repeating: "[{type: sequential, layers: ", count: 63) + "[relu]" + String(repeating: "}]", count: 63)
        #expect(try Summary(try ModelSpec.parse(yaml: flow)).rows.count == 1)
    }

    /// Quotes and comments cannot hide brackets from the check: every reading of each quote
    /// character is followed. Random texts of 20,000 characters, mostly "[", with quotes, escapes,
    /// comments and closing brackets mixed in, are either refused by the check or composed by the
    /// YAML library — a text that slipped through at its real depth would overflow the stack.
    @Test func quotesAndCommentsCannotHideNesting() {
        var random = RandomGenerator(seed: 0xDEE9)
        let alphabet = Array("[[[[[[[[{]}'\"\\# \n,a:-".utf8)
        var refused = 0
        for _ in 0..<40 {
            let bytes = (0..<20_000).map { _ in alphabet[random.nextInt(below: alphabet.count)] }
            let text = "input: [1]\nlayers: " + String(decoding: bytes, as: UTF8.self)
            do {
                _ = try ModelSpec.parse(yaml: text)
            } catch let error as ConvKitError {
                if error.description.contains("nesting too deep") { refused += 1 }
            } catch {
                Issue.record("not a ConvKitError: \(error)")
            }
        }
        #expect(refused > 0)
    }

    @Test func stringsAndCommentsWithBracketsAndAmpersandsStillParse() throws {
        let text = """
        # a comment with ]]]] and [[[[ and &anchor-like text
        name: 'it''s [a] test'
        description: "R&D: \\"quoted\\" [x] and a & b"
        input: [3, 8, 8]
        layers:
          - {type: conv2d, name: c, out_channels: 2, kernel_size: 3}  # ]]]
        """
        let architecture = try ModelSpec.parse(yaml: text)
        #expect(architecture.name == "it's [a] test")
        #expect(architecture.notes == ["R&D: \"quoted\" [x] and a & b"])
    }
}
