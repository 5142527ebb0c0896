import Foundation
import Testing
@testable import ConvKit

/// A fresh folder under the system temporary directory, removed by `cleanUp()`.
struct TemporaryFolder {
    let path: String
    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("convkit-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    func write(_ bytes: [UInt8], to name: String) throws {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
    }
    /// Names in `relative` (or the folder itself), sorted, including hidden ones.
    func listing(_ relative: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: relative.isEmpty ? path : file(relative)).sorted()
    }
    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// CIFAR-10 records for tests: record r of a file with `seed` has label `(seed + r) % 10` and
/// pixel bytes `(seed·7 + r·13 + p) % 256` for p in 0..<3072.
enum CIFARFixture {
    static func records(_ count: Int, seed: Int, label: ((Int) -> UInt8)? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        for r in 0..<count {
            bytes.append(label?(r) ?? UInt8((seed + r) % 10))
            for p in 0..<3072 { bytes.append(UInt8((seed * 7 + r * 13 + p) % 256)) }
        }
        return bytes
    }
    /// A complete `cifar-10-batches-bin` folder's files: 2 records per training file (seeds 1…5),
    /// 3 in the test file (seed 6), and a meta file when `meta` is given.
    static func files(meta: String? = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n") -> [(String, [UInt8])] {
        var files = (1...5).map { ("data_batch_\($0).bin", records(2, seed: $0)) }
        files.append(("test_batch.bin", records(3, seed: 6)))
        if let meta { files.append(("batches.meta.txt", Array(meta.utf8))) }
        return files
    }
    static func writeFolder(in folder: TemporaryFolder, subfolder: String = "", meta: String? = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n") throws {
        for (name, bytes) in files(meta: meta) {
            try folder.write(bytes, to: subfolder.isEmpty ? name : subfolder + "/" + name)
        }
    }
}

/// IDX files for MNIST tests.
enum IDXFixture {
    static func bigEndian(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    /// `count` images of rows×cols, pixel p of image i = (i·31 + p) % 256.
    static func images(count: Int, rows: Int = 28, columns: Int = 28, magic: Int = 2051, headerCount: Int? = nil) -> [UInt8] {
        var bytes = bigEndian(magic) + bigEndian(headerCount ?? count) + bigEndian(rows) + bigEndian(columns)
        for i in 0..<count { for p in 0..<(rows * columns) { bytes.append(UInt8((i * 31 + p) % 256)) } }
        return bytes
    }
    static func labels(_ values: [UInt8], magic: Int = 2049) -> [UInt8] {
        bigEndian(magic) + bigEndian(values.count) + values
    }
}

/// A minimal ustar writer for test archives (regular files and directories, names ≤ 100 bytes).
enum TarWriter {
    enum Member { case directory(String), file(String, [UInt8]) }

    static func archive(_ members: [Member]) -> [UInt8] {
        var out: [UInt8] = []
        for member in members {
            switch member {
            case let .directory(name): out += header(name: name, size: 0, type: "5")
            case let .file(name, bytes):
                out += header(name: name, size: bytes.count, type: "0")
                out += bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
            }
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    static func header(name: String, size: Int, type: Character) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { block[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: width - 1 - digits.count) + digits
        }
        put(name, at: 0)
        put(octal(type == "5" ? 0o755 : 0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)
        put(String(type), at: 156)
        put("ustar", at: 257)
        put("00", at: 263)
        put("        ", at: 148)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7), at: 148)  // six digits, NUL, then the space already there
        return block
    }
}
