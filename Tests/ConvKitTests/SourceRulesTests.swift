import Foundation
import Testing

/// Design rules that are checked on the source text itself (DESIGN.md, "Layout" and "Errors"):
/// pointer code lives only in the kernels modules, and no library or CLI code traps with
/// `fatalError` or `try!`. Each test names the offending file and line.
@Suite struct SourceRulesTests {
    /// The Swift files under `Sources/<folder>`, with their text.
    static func sources(_ folder: String) throws -> [(path: String, text: String)] {
        let root = Repository.root.appendingPathComponent("Sources/" + folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var files: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            files.append((String(url.path.dropFirst(Repository.root.path.count + 1)), try String(contentsOf: url, encoding: .utf8)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// `file:line: text` for every line of `files` containing one of `needles` (comments included:
    /// the rule is about what a reader finds, and no comment needs these words).
    static func hits(_ needles: [String], in files: [(path: String, text: String)]) -> [String] {
        var found: [String] = []
        for file in files {
            for (index, line) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where needles.contains(where: { line.contains($0) }) {
                found.append("\(file.path):\(index + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        return found
    }

    static let pointerWords = ["Unsafe", "withUnsafe", "baseAddress", "allocate(capacity", "loadUnaligned",
                               "storeBytes", "assumingMemoryBound", "unsafeBitCast", "OpaquePointer"]

    @Test(arguments: ["ConvKit", "convkit"])
    func noPointerCodeOutsideTheKernels(folder: String) throws {
        let files = try Self.sources(folder)
        #expect(files.count > 10, "found only \(files.count) Swift files under Sources/\(folder)")
        let found = Self.hits(Self.pointerWords, in: files)
        #expect(found.isEmpty, "pointer code belongs in Sources/ConvKitKernels:\n\(found.joined(separator: "\n"))")
    }

    @Test(arguments: ["ConvKit", "convkit", "ConvKitKernels"])
    func noTrapsOnInput(folder: String) throws {
        let found = Self.hits(["fatalError(", "try!"], in: try Self.sources(folder))
        #expect(found.isEmpty, "throw a ConvKitError instead:\n\(found.joined(separator: "\n"))")
    }

    /// The check itself finds what it looks for (a rule that cannot fail proves nothing).
    @Test func theCheckFindsPointerCode() {
        let sample = [(path: "Sources/ConvKit/Example.swift", text: "let a = 1\nx.withUnsafeBufferPointer { _ in }\n")]
        #expect(Self.hits(Self.pointerWords, in: sample) == ["Sources/ConvKit/Example.swift:2: x.withUnsafeBufferPointer { _ in }"])
    }
}
