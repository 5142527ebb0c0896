import Foundation
import Testing
@testable import ConvKit

/// Seeded mutation testing of the binary dataset readers: 10,000 corrupted inputs per reader each
/// load or throw a ConvKitError — never trap, and never allocate from a size a header merely
/// claims (a mutant announcing 2^32 images of 4,096×4,096 pixels would exhaust memory and kill
/// the test process).
@Suite struct DataReaderMutationTests {
    static let iterations = 10_000

    // MARK: CIFAR-10

    static let cifarPhrases = ["truncated:", "is not a CIFAR-10 class", "empty:", "expected 10 class names", "is empty; expected 10",
                               "not UTF-8 text"]

    /// A 2-record batch and the meta file, parsed by the functions `CIFAR10.load` applies to every
    /// file (the whole load path is run on every 500th mutant). Mutants hit the records (label
    /// bytes above all), the file length (cut at and around record boundaries) and the class names.
    @Test func mutatedCIFAR10BatchesLoadOrThrowConvKitError() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let batch = CIFARFixture.records(2, seed: 6)
        let meta = Array(CIFAR10.standardClassNames.joined(separator: "\n").utf8) + [10]
        var mutator = Mutator(seed: 0xC1FA, tokens: ["\n", "\r\n", "", " ", "\u{FEFF}", "cat"])
        var random = RandomGenerator(seed: 0xC1FB)
        var accepted = 0
        var reached: [String: Int] = [:]
        for iteration in 0..<Self.iterations {
            var bytes = batch, names = meta
            switch random.nextInt(below: 4) {
            case 0:  // a label byte of either record
                bytes[random.nextInt(below: 2) * CIFAR10.recordSize] = UInt8(random.nextInt(below: 256))
            case 1:  // cut at or around a record boundary
                let boundary = random.nextInt(below: 3) * CIFAR10.recordSize
                bytes = Array(bytes.prefix(max(0, boundary + random.nextInt(below: 3) - 1)))
            case 2:
                mutator.mutate(&bytes)
            default:
                mutator.mutate(&names)
            }
            do {
                if iteration % 500 == 0 {
                    try folder.write(bytes, to: "test_batch.bin")
                    try folder.write(names, to: "batches.meta.txt")
                    let dataset = try CIFAR10.load(directory: folder.path, split: .test)
                    #expect(dataset.images.count == dataset.count * 3_072 && dataset.labels.allSatisfy { $0 <= 9 })
                } else {
                    _ = try CIFAR10.classNames(names, path: "batches.meta.txt")
                    let (images, labels) = try CIFAR10.batch(bytes, path: "test_batch.bin")
                    #expect(images.count == labels.count * 3_072 && labels.allSatisfy { $0 <= 9 })
                }
                accepted += 1
            } catch let error as ConvKitError {
                let text = error.description
                #expect(!text.contains("\n"), "iteration \(iteration): \(text)")
                if let phrase = Self.cifarPhrases.first(where: { text.contains($0) }) { reached[phrase, default: 0] += 1 } else {
                    Issue.record("iteration \(iteration): unexpected message \(text)")
                }
            }
        }
        #expect(accepted > Self.iterations / 10)
        let missed = Self.cifarPhrases.filter { reached[$0] == nil && $0 != "is empty; expected 10" && $0 != "not UTF-8 text" }
        #expect(missed.isEmpty, "checks never reached: \(missed); reached: \(reached)")
    }

    // MARK: MNIST

    static let mnistPhrases = ["magic number", "shorter than the", "is outside 1…4,096", "header announces", "not a digit 0…9",
                               "gzip stream", "decompresses to more than"]

    /// IDX images and labels, raw and gzipped. Mutants corrupt the header words (counts, rows,
    /// columns: edge values up to 2^32 − 1), the labels, the compressed stream, or the raw file
    /// before it is compressed (so the IDX checks are reached through gzip too).
    @Test func mutatedMNISTFilesParseOrThrowConvKitError() throws {
        let images = IDXFixture.images(count: 3, rows: 5, columns: 4)
        let labels = IDXFixture.labels([7, 0, 9])
        let bases = [images, labels, try Gzip.compress(images), try Gzip.compress(labels)]
        var mutator = Mutator(seed: 0x1D8, tokens: [])
        var random = RandomGenerator(seed: 0x1D9)
        let words: [UInt32] = [0, 1, 2, 3, 4, 28, 784, 2049, 2051, 4096, 4097, 65_535, 1 << 24, 1 << 31, UInt32.max]
        let mutate = { (bytes: inout [UInt8], mutator: inout Mutator) in
            let raw = random.nextInt(below: 2) == 0
            var plain = raw ? bytes : ((try? Gzip.decompress(bytes, source: "base", maxOutputSize: 1 << 20)) ?? bytes)
            switch random.nextInt(below: 3) {
            case 0:  // rewrite one header word
                let offset = 4 * random.nextInt(below: min(4, plain.count / 4 + 1))
                let word = words[random.nextInt(below: words.count)]
                for k in 0..<4 where offset + k < plain.count { plain[offset + k] = UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32(k))) }
            default:
                mutator.mutate(&plain)
            }
            if raw || random.nextInt(below: 4) == 0 {
                bytes = plain
                if !raw { mutator.mutate(&bytes) }  // damage the compressed form of a gzipped base
            } else {
                bytes = (try? Gzip.compress(plain)) ?? plain
            }
        }
        let outcome = runMutations(iterations: Self.iterations, bases: bases, mutator: &mutator, phrases: Self.mnistPhrases,
                                   mutate: { mutate(&$0, &$1) }) { bytes in
            let contents = try MNIST.decompressed(bytes, path: "mutant")
            if contents.count >= 4 && contents[3] == 1 {
                let parsed = try MNIST.parseLabels(contents, path: "mutant")
                #expect(parsed.allSatisfy { $0 <= 9 })
            } else {
                let (pixels, rows, columns) = try MNIST.parseImages(contents, path: "mutant")
                #expect(pixels.count % (rows * columns) == 0)
            }
        }
        expectCoverage(outcome, iterations: Self.iterations, required: Self.mnistPhrases.filter { $0 != "decompresses to more than" })
    }

    // MARK: tar

    static let tarPhrases = ["not a ustar header", "unreadable checksum", "does not match the header's byte sum", "member name is not UTF-8",
                             "unreadable size field", "truncated:", "refusing a hard link", "refusing a symbolic link",
                             "refusing member type", "refusing an absolute path", "refusing a path with a '..' component",
                             "a file needs a name", "truncated tar archive", "cannot create", "(duplicate member?)"]

    /// Archives whose headers are edited field by field (name, prefix, type, size, magic) with the
    /// checksum recomputed most of the time, so the path and type checks are reached, not only the
    /// checksum. Every 10th accepted mutant is also extracted into `root/inside`, and nothing may
    /// appear next to `inside`.
    @Test func mutatedTarArchivesParseOrThrowConvKitError() throws {
        let good = try DataFile.readAll(Repository.fixture("tar/good.tar"))
        let written = TarWriter.archive([.directory("d/"), .file("d/a", [1, 2, 3]), .file("d/b", [UInt8](repeating: 9, count: 700))])
        let bases = [good, written]
        var mutator = Mutator(seed: 0x7A2, tokens: ["../", "/", "..", "./", "a/", "\0", "evil"])
        var random = RandomGenerator(seed: 0x7A3)
        let names = ["../evil", "/tmp/convkit-evil", "a/../../b", "./..", "d/./x", "..", "", "a//b", "d/a", "é", "x/"]
        let types = Array("0125673gxLK\0".utf8)
        let sizes = ["0", "1", "777", "77777777777", "99", "-1", "", " 12 ", "00000001750"]
        let mutate = { (bytes: inout [UInt8], mutator: inout Mutator) in
            let headers = stride(from: 0, to: bytes.count - 511, by: 512).filter { offset in
                bytes[offset + 257..<offset + 262].elementsEqual("ustar".utf8)
            }
            guard !headers.isEmpty, random.nextInt(below: 4) != 0 else { mutator.mutate(&bytes); return }
            let header = headers[random.nextInt(below: headers.count)]
            func put(_ text: [UInt8], _ offset: Int, _ length: Int) {
                for k in 0..<length { bytes[header + offset + k] = k < text.count ? text[k] : 0 }
            }
            switch random.nextInt(below: 5) {
            case 0: put(Array(names[random.nextInt(below: names.count)].utf8), 0, 100)
            case 1: put(Array(names[random.nextInt(below: names.count)].utf8), 345, 155)
            case 2: bytes[header + 156] = types[random.nextInt(below: types.count)]
            case 3: put(Array(sizes[random.nextInt(below: sizes.count)].utf8), 124, 12)
            default: put(Array(["ustar\0", "ustar ", "USTAR\0", "ustar"][random.nextInt(below: 4)].utf8), 257, 6)
            }
            if random.nextInt(below: 10) != 0 {  // recompute the checksum (6 octal digits, NUL, space)
                put(Array("        ".utf8), 148, 8)
                let sum = bytes[header..<header + 512].reduce(0) { $0 + Int($1) }
                let digits = String(sum, radix: 8)
                put(Array((String(repeating: "0", count: max(0, 6 - digits.count)) + digits).utf8) + [0, 32], 148, 8)
            }
        }
        let root = try TemporaryFolder()
        defer { root.cleanUp() }
        var extractions = 0
        let outcome = runMutations(iterations: Self.iterations, bases: bases, mutator: &mutator, phrases: Self.tarPhrases,
                                   mutate: { mutate(&$0, &$1) }) { bytes in
            let entries = try Tar.entries(bytes, source: "mutant.tar")
            for entry in entries {
                #expect(!entry.path.hasPrefix("/") && !entry.path.split(separator: "/").contains(".."), "\(entry.path)")
            }
            extractions += 1
            guard extractions % 10 == 0 else { return }
            let inside = root.file("inside")
            try? FileManager.default.removeItem(atPath: inside)
            try FileManager.default.createDirectory(atPath: inside, withIntermediateDirectories: false)
            try Tar.extract(bytes, source: "mutant.tar", into: inside)
        }
        #expect(try root.listing() == ["inside"])
        #expect(extractions > 100)
        expectCoverage(outcome, iterations: Self.iterations,
                       required: Self.tarPhrases.filter { !["member name is not UTF-8", "cannot create", "(duplicate member?)"].contains($0) })
    }
}
