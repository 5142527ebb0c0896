import Foundation

/// Reader for MNIST in its original IDX format (LeCun, Cortes & Burges): `train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each either raw or
/// gzip-compressed with a `.gz` suffix (the raw file is preferred when both exist).
///
/// IDX files are big-endian: an images file starts with the magic number 2051 (`00 00 08 03`:
/// unsigned bytes, 3 dimensions), then the image count, rows and columns as UInt32, then the
/// pixels row by row (0 = background, 255 = ink). A labels file starts with 2049 (`00 00 08 01`)
/// and the count, then one byte per label. Magic numbers, sizes against the dimensions, labels
/// (at most 9) and the image/label count equality are all checked. Images get the shape
/// `[1, rows, cols]` (`[1, 28, 28]` for MNIST).
public enum MNIST {
    /// The shape of one MNIST image, `[C, H, W]` = `[1, 28, 28]`.
    public static let imageShape: Shape = [1, 28, 28]
    /// The class names: the digits `"0"` … `"9"`.
    public static let classNames = (0...9).map(String.init)
    /// The magic number of an IDX file of unsigned-byte images with 3 dimensions.
    public static let imagesMagic = 2051
    /// The magic number of an IDX file of unsigned-byte labels with 1 dimension.
    public static let labelsMagic = 2049
    /// The largest accepted (decompressed) IDX file: 256 MiB (the training images are 47 MB).
    static let maxFileSize = 256 << 20

    /// The file names (without `.gz`) of a split's images and labels.
    public static func fileNames(_ split: DatasetSplit) -> (images: String, labels: String) {
        let prefix = split == .train ? "train" : "t10k"
        return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
    }

    /// True when `directory` holds both files of the training and test splits (raw or `.gz`).
    public static func isPresent(in directory: String) -> Bool {
        [DatasetSplit.train, .test].allSatisfy { split in
            let names = fileNames(split)
            return existingFile(directory, names.images) != nil && existingFile(directory, names.labels) != nil
        }
    }

    /// Reads one split from `directory`.
    /// - Throws: ``ConvKitError/fileError(file:reason:)`` naming the file for a missing file, a
    ///   wrong magic number, a size that disagrees with the header, a label above 9, a corrupt gzip
    ///   stream, or image and label files of different counts.
    public static func load(directory: String, split: DatasetSplit) throws -> ImageDataset {
        let names = fileNames(split)
        guard let imagesPath = existingFile(directory, names.images) else {
            throw missing(directory, names.images)
        }
        guard let labelsPath = existingFile(directory, names.labels) else {
            throw missing(directory, names.labels)
        }
        let labels = try readLabels(labelsPath)
        let (pixels, rows, columns) = try readImages(imagesPath)
        let imageCount = rows * columns == 0 ? 0 : pixels.count / (rows * columns)
        guard imageCount == labels.count else {
            throw ConvKitError.fileError(file: imagesPath, reason: "holds \(imageCount.grouped) images but \(labelsPath) holds \(labels.count.grouped) labels; they must match")
        }
        return try ImageDataset(name: "mnist \(split)", images: pixels, labels: labels,
                                imageShape: [1, rows, columns], classNames: classNames)
    }

    /// Pixels (header removed), rows and columns of an IDX images file.
    static func readImages(_ path: String) throws -> (pixels: [UInt8], rows: Int, columns: Int) {
        try parseImages(try contents(path), path: path)
    }

    /// Pixels, rows and columns of an IDX images file's (decompressed) bytes; `path` names it in errors.
    static func parseImages(_ bytes: [UInt8], path: String) throws -> (pixels: [UInt8], rows: Int, columns: Int) {
        var bytes = bytes
        let header = try idxHeader(bytes, path: path, magic: imagesMagic, dimensions: 3, what: "unsigned-byte images")
        let (count, rows, columns) = (header[0], header[1], header[2])
        guard rows > 0, columns > 0, rows <= 4_096, columns <= 4_096 else {
            throw ConvKitError.fileError(file: path, reason: "image size \(rows)×\(columns) is outside 1…4,096 pixels per side")
        }
        let expected = 16 + count * rows * columns  // count < 2^32, rows·columns ≤ 2^24: no overflow
        guard bytes.count == expected else {
            throw ConvKitError.fileError(file: path, reason: "header announces \(count.grouped) images of \(rows)×\(columns) = \(expected.grouped) bytes with the 16-byte header, but the file holds \(bytes.count.grouped) bytes")
        }
        bytes.removeFirst(16)
        return (bytes, rows, columns)
    }

    /// The labels of an IDX labels file, each checked to be at most 9.
    static func readLabels(_ path: String) throws -> [UInt8] {
        try parseLabels(try contents(path), path: path)
    }

    /// The labels of an IDX labels file's (decompressed) bytes; `path` names it in errors.
    static func parseLabels(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        var bytes = bytes
        let count = try idxHeader(bytes, path: path, magic: labelsMagic, dimensions: 1, what: "unsigned-byte labels")[0]
        guard bytes.count == 8 + count else {
            throw ConvKitError.fileError(file: path, reason: "header announces \(count.grouped) labels = \((8 + count).grouped) bytes with the 8-byte header, but the file holds \(bytes.count.grouped) bytes")
        }
        bytes.removeFirst(8)
        if let bad = bytes.firstIndex(where: { $0 > 9 }) {
            throw ConvKitError.fileError(file: path, reason: "label \(bad) (byte offset \((8 + bad).grouped)) is \(bytes[bad]), not a digit 0…9")
        }
        return bytes
    }

    /// Checks the magic number and returns the `dimensions` sizes that follow it.
    private static func idxHeader(_ bytes: [UInt8], path: String, magic: Int, dimensions: Int, what: String) throws -> [Int] {
        let headerSize = 4 + 4 * dimensions
        func word(_ offset: Int) -> Int {
            Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        }
        let found = bytes.count >= 4 ? word(0) : -1
        guard found == magic else {
            let hint = found == imagesMagic ? " (this is an images file)" : found == labelsMagic ? " (this is a labels file)" : ""
            let shown = found < 0 ? "missing (\(bytes.count) bytes)" : "\(found)"
            throw ConvKitError.fileError(file: path, reason: "magic number \(shown) is not \(magic), the IDX magic of \(what)\(hint)")
        }
        guard bytes.count >= headerSize else {
            throw ConvKitError.fileError(file: path, reason: "\(bytes.count) bytes is shorter than the \(headerSize)-byte IDX header")
        }
        return (0..<dimensions).map { word(4 + 4 * $0) }
    }

    /// The file's bytes, gunzipped when it is gzip-compressed.
    private static func contents(_ path: String) throws -> [UInt8] {
        try decompressed(try DataFile.readAll(path, limit: maxFileSize), path: path)
    }

    /// `bytes` gunzipped when they start with the gzip magic number (at most ``maxFileSize``), else as they are.
    static func decompressed(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, source: path, maxOutputSize: maxFileSize) : bytes
    }

    /// `directory/name`, else `directory/name.gz`, whichever exists first.
    private static func existingFile(_ directory: String, _ name: String) -> String? {
        let raw = (directory as NSString).appendingPathComponent(name)
        if DataFile.isFile(raw) { return raw }
        return DataFile.isFile(raw + ".gz") ? raw + ".gz" : nil
    }

    private static func missing(_ directory: String, _ name: String) -> ConvKitError {
        .fileError(file: (directory as NSString).appendingPathComponent(name),
                   reason: "not found (nor \(name).gz); MNIST is not downloaded automatically: put the four IDX files (raw or .gz) in \(directory)")
    }
}
