import Foundation
import Testing
@testable import ConvKit

/// Seeded random corruption of valid inputs, shared by the readers' mutation tests (the
/// safetensors test has its own, older copy): each reader must either accept a mutant or throw a
/// ``ConvKitError`` — a trap (overflow, out-of-bounds index, failed allocation, stack overflow)
/// kills the test process, so a passing run is the proof.
struct Mutator {
    var random: RandomGenerator
    /// Format-specific snippets spliced in or swapped for each other (keywords, separators, edge numbers).
    let tokens: [[UInt8]]
    /// Numbers that probe size checks when they replace a run of digits.
    static let edgeNumbers = ["0", "-1", "-3", "1", "2", "255", "256", "65535", "2147483647", "2147483648", "4294967296",
                              "9223372036854775807", "9223372036854775808", "99999999999999999999", "1e400", "1.5", "-0", "NaN"]

    init(seed: UInt64, tokens: [String]) {
        random = RandomGenerator(seed: seed)
        self.tokens = tokens.map { Array($0.utf8) }
    }

    /// One to four random corruptions of `bytes`.
    mutating func mutate(_ bytes: inout [UInt8]) {
        for _ in 0...random.nextInt(below: 4) { mutateOnce(&bytes) }
    }

    mutating func mutateOnce(_ bytes: inout [UInt8]) {
        let count = bytes.count
        switch random.nextInt(below: 10) {
        case 0 where count > 0:  // flip one bit
            bytes[random.nextInt(below: count)] ^= UInt8(1) << UInt8(random.nextInt(below: 8))
        case 1 where count > 0:  // overwrite one byte
            bytes[random.nextInt(below: count)] = UInt8(random.nextInt(below: 256))
        case 2:  // truncate
            bytes.removeLast(random.nextInt(below: count + 1))
        case 3:  // insert random bytes
            let insertion = (0...random.nextInt(below: 8)).map { _ in UInt8(random.nextInt(below: 256)) }
            bytes.insert(contentsOf: insertion, at: random.nextInt(below: count + 1))
        case 4 where count > 0:  // delete a range
            let start = random.nextInt(below: count)
            bytes.removeSubrange(start..<min(count, start + 1 + random.nextInt(below: 32)))
        case 5 where count > 0:  // duplicate a range somewhere else
            let start = random.nextInt(below: count)
            let chunk = Array(bytes[start..<min(count, start + 1 + random.nextInt(below: 64))])
            bytes.insert(contentsOf: chunk, at: random.nextInt(below: count + 1))
        case 6 where !tokens.isEmpty:  // splice a token in
            bytes.insert(contentsOf: tokens[random.nextInt(below: tokens.count)], at: random.nextInt(below: count + 1))
        case 7 where !tokens.isEmpty:  // replace one occurrence of a token by another
            let from = tokens[random.nextInt(below: tokens.count)], to = tokens[random.nextInt(below: tokens.count)]
            let starts = occurrences(of: from, in: bytes)
            if !starts.isEmpty {
                let start = starts[random.nextInt(below: starts.count)]
                bytes.replaceSubrange(start..<(start + from.count), with: to)
            }
        case 8:  // replace a run of digits with an edge-case number
            let starts = digitRunStarts(bytes)
            if !starts.isEmpty {
                let start = starts[random.nextInt(below: starts.count)]
                var end = start
                while end < bytes.count && Self.isDigit(bytes[end]) { end += 1 }
                bytes.replaceSubrange(start..<end, with: Array(Self.edgeNumbers[random.nextInt(below: Self.edgeNumbers.count)].utf8))
            }
        default:  // move a line elsewhere
            var breaks: [Int] = []
            for i in bytes.indices where bytes[i] == UInt8(ascii: "\n") { breaks.append(i) }
            if breaks.count >= 2 {
                let k = random.nextInt(below: breaks.count - 1)
                let line = Array(bytes[(breaks[k] + 1)...breaks[k + 1]])
                bytes.removeSubrange((breaks[k] + 1)...breaks[k + 1])
                let target = breaks[random.nextInt(below: breaks.count - 1)]
                bytes.insert(contentsOf: line, at: min(target + 1, bytes.count))
            }
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    func digitRunStarts(_ bytes: [UInt8]) -> [Int] {
        var starts: [Int] = []
        var previousDigit = false
        for i in bytes.indices {
            let digit = Self.isDigit(bytes[i])
            if digit && !previousDigit { starts.append(i) }
            previousDigit = digit
        }
        return starts
    }

    func occurrences(of token: [UInt8], in bytes: [UInt8]) -> [Int] {
        guard let first = token.first, bytes.count >= token.count else { return [] }
        var starts: [Int] = []
        bytes.withUnsafeBufferPointer { b in
            token.withUnsafeBufferPointer { t in
                outer: for i in 0...(b.count - t.count) where b[i] == first {
                    for j in 1..<t.count where b[i + j] != t[j] { continue outer }
                    starts.append(i)
                }
            }
        }
        return starts
    }
}

/// What a mutation run saw: how many mutants were accepted, and how often each expected message
/// phrase occurred among the rejections.
struct MutationOutcome {
    var accepted = 0
    var rejected = 0
    var phrases: [String: Int] = [:]
    var unmatched: [String] = []
}

/// Feeds `iterations` mutants of `bases` (cycled) to `parse`. Every rejection must be a
/// ConvKitError whose text is one line; its text is matched against `phrases` (the first that
/// occurs is counted). Anything else is recorded as a test issue.
func runMutations(iterations: Int, bases: [[UInt8]], mutator: inout Mutator, phrases: [String],
                  mutate: ((inout [UInt8], inout Mutator) -> Void)? = nil,
                  parse: ([UInt8]) throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> MutationOutcome {
    var outcome = MutationOutcome()
    for iteration in 0..<iterations {
        var bytes = bases[iteration % bases.count]
        if let mutate { mutate(&bytes, &mutator) } else { mutator.mutate(&bytes) }
        do {
            try parse(bytes)
            outcome.accepted += 1
        } catch let error as ConvKitError {
            outcome.rejected += 1
            let text = error.description
            if text.contains("\n") {
                Issue.record("iteration \(iteration): the message is not one line: \(text)", sourceLocation: sourceLocation)
            }
            if let phrase = phrases.first(where: { text.contains($0) }) {
                outcome.phrases[phrase, default: 0] += 1
            } else if outcome.unmatched.count < 20 {
                outcome.unmatched.append(text)
            }
        } catch {
            Issue.record("iteration \(iteration): not a ConvKitError: \(error)", sourceLocation: sourceLocation)
        }
    }
    return outcome
}

/// Checks a run: both outcomes occur, every rejection matched a known phrase, and every phrase in
/// `required` was reached at least once (or the test proves less than it claims).
func expectCoverage(_ outcome: MutationOutcome, iterations: Int, required phrases: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(outcome.accepted + outcome.rejected == iterations, sourceLocation: sourceLocation)
    #expect(outcome.accepted > 0, "no mutant was accepted", sourceLocation: sourceLocation)
    #expect(outcome.rejected > iterations / 4, "only \(outcome.rejected) mutants were rejected", sourceLocation: sourceLocation)
    #expect(outcome.unmatched.isEmpty, "rejections with unexpected messages: \(outcome.unmatched)", sourceLocation: sourceLocation)
    let missed = phrases.filter { outcome.phrases[$0] == nil }
    #expect(missed.isEmpty, "checks never reached: \(missed); reached: \(outcome.phrases)", sourceLocation: sourceLocation)
}
