import ConvKitKernels
import Foundation

/// Reader for the binary version of CIFAR-10 (Krizhevsky, 2009): the folder
/// `cifar-10-batches-bin/` with `data_batch_1.bin` … `data_batch_5.bin` (training, 50,000 images),
/// `test_batch.bin` (10,000 images) and `batches.meta.txt` (the 10 class names, one per line).
///
/// Each file is a sequence of 3,073-byte records: one label byte (0…9), then 3,072 pixel bytes —
/// the 1,024 red values of the 32×32 image row by row, then the green plane, then the blue plane —
/// which is exactly ``ImageDataset``'s `[3, 32, 32]` layout. Every file is validated (it exists,
/// its size is a whole number of records, every label is at most 9) before pixels are copied.
public enum CIFAR10 {
    /// Bytes per record: 1 label byte + 3·32·32 pixel bytes.
    public static let recordSize = 3_073
    /// The shape of one image, `[C, H, W]` = `[3, 32, 32]`.
    public static let imageShape: Shape = [3, 32, 32]
    /// The class names of the distribution, used when `batches.meta.txt` is absent.
    public static let standardClassNames = ["airplane", "automobile", "bird", "cat", "deer",
                                            "dog", "frog", "horse", "ship", "truck"]
    /// The folder name the archive extracts to.
    public static let folderName = "cifar-10-batches-bin"
    /// The class-names file inside the folder.
    public static let metaFileName = "batches.meta.txt"

    /// The batch files of a split, in the order their images are concatenated.
    public static func fileNames(_ split: DatasetSplit) -> [String] {
        switch split {
        case .train: return (1...5).map { "data_batch_\($0).bin" }
        case .test: return ["test_batch.bin"]
        }
    }

    /// True when `directory` holds every batch file of both splits.
    public static func isPresent(in directory: String) -> Bool {
        (fileNames(.train) + fileNames(.test)).allSatisfy {
            DataFile.isFile((directory as NSString).appendingPathComponent($0))
        }
    }

    /// Reads one split from `directory` (a `cifar-10-batches-bin` folder).
    /// - Throws: ``ConvKitError/fileError(file:reason:)`` naming the file for a missing file, a
    ///   size that is not a whole number of records, or a label above 9 (with its record index).
    public static func load(directory: String, split: DatasetSplit) throws -> ImageDataset {
        let paths = fileNames(split).map { (directory as NSString).appendingPathComponent($0) }
        let pixelsPerImage = recordSize - 1

        // Validate every file's size before allocating anything.
        var recordCounts: [Int] = []
        for path in paths {
            recordCounts.append(try records(inFileOf: try DataFile.size(of: path), path: path))
        }
        let total = try recordCounts.reduce(0) { try Checked.add($0, $1, "CIFAR-10 record count") }
        let classNames = try classNames(directory: directory)

        var images = [UInt8](repeating: 0, count: try Checked.multiply(total, pixelsPerImage, "CIFAR-10 pixel count"))
        var labels = [UInt8](repeating: 0, count: total)
        var fileBytes = [UInt8](repeating: 0, count: (recordCounts.max() ?? 0) * recordSize)
        var first = 0
        for (path, records) in zip(paths, recordCounts) {
            try DataFile.read(path, into: &fileBytes, count: records * recordSize)
            try decode(fileBytes, records: records, path: path, images: &images, labels: &labels, first: first)
            first += records
        }
        return try ImageDataset(name: "cifar10 \(split)", images: images, labels: labels,
                                imageShape: imageShape, classNames: classNames)
    }

    /// The images and labels of one batch file's bytes (`path` names it in errors), validated as
    /// ``load(directory:split:)`` validates files.
    static func batch(_ bytes: [UInt8], path: String) throws -> (images: [UInt8], labels: [UInt8]) {
        let count = try records(inFileOf: bytes.count, path: path)
        var images = [UInt8](repeating: 0, count: count * (recordSize - 1))
        var labels = [UInt8](repeating: 0, count: count)
        try decode(bytes, records: count, path: path, images: &images, labels: &labels, first: 0)
        return (images, labels)
    }

    /// The number of records in a batch file of `size` bytes; throws unless it is a positive
    /// whole number of records.
    static func records(inFileOf size: Int, path: String) throws -> Int {
        guard size > 0 else {
            throw ConvKitError.fileError(file: path, reason: "empty: a CIFAR-10 batch holds 3,073-byte records (10,000 records = 30,730,000 bytes)")
        }
        guard size % recordSize == 0 else {
            let whole = size / recordSize
            throw ConvKitError.fileError(file: path, reason: "truncated: \(size.grouped) bytes is not a whole number of \(recordSize.grouped)-byte records (expected a multiple of \(recordSize.grouped), e.g. \((whole * recordSize).grouped) bytes for \(whole.grouped) records)")
        }
        return size / recordSize
    }

    /// Copies the first `records` records of `source` to `images`/`labels` from index `first` on,
    /// checking every label.
    private static func decode(_ source: [UInt8], records: Int, path: String, images: inout [UInt8], labels: inout [UInt8], first: Int) throws {
        if let r = splitLabelledRecords(source, recordCount: records, recordSize: recordSize, maximumLabel: 9,
                                        images: &images, labels: &labels, first: first) {
            throw ConvKitError.fileError(file: path, reason: "record \(r) (byte offset \((r * recordSize).grouped)): label \(source[r * recordSize]) is not a CIFAR-10 class (0…9)")
        }
    }

    /// The class names from `batches.meta.txt` in `directory`, or ``standardClassNames`` when the
    /// file is absent. A present file must hold exactly 10 non-empty lines (trailing blank lines
    /// are ignored).
    public static func classNames(directory: String) throws -> [String] {
        let path = (directory as NSString).appendingPathComponent(metaFileName)
        guard FileManager.default.fileExists(atPath: path) else { return standardClassNames }
        return try classNames(try DataFile.readAll(path, limit: 65_536), path: path)
    }

    /// The class names in the bytes of a `batches.meta.txt` file (`path` names it in errors).
    static func classNames(_ bytes: [UInt8], path: String) throws -> [String] {
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw ConvKitError.fileError(file: path, reason: "not UTF-8 text; expected 10 class names, one per line")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.count == 10 else {
            throw ConvKitError.fileError(file: path, reason: "expected 10 class names, one per line; found \(lines.count) lines")
        }
        if let blank = lines.firstIndex(where: \.isEmpty) {
            throw ConvKitError.fileError(file: path, reason: "line \(blank + 1) is empty; expected 10 class names, one per line")
        }
        return lines
    }
}
