import ConvKitKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small, deliberately strict reader and extractor for POSIX ustar archives (including GNU
/// tar's `ustar  ` variant), enough for the CIFAR-10 download and nothing more.
///
/// The whole archive is validated before a single byte is written: every header checksum, every
/// member size against the archive length, and every path. Refused: absolute paths, `..`
/// components, symbolic and hard links (wherever they point), and every member type other than
/// regular files and directories (devices, FIFOs, pax and GNU long-name headers). Extracted files
/// get mode 0644 and directories 0755, whatever the archive says; an existing file is never
/// overwritten or followed through a link.
enum Tar {
    /// One validated member.
    struct Entry: Equatable {
        enum Kind: Equatable { case file, directory }
        /// Relative path with `.` and empty components removed, e.g. `cifar-10-batches-bin/test_batch.bin`.
        var path: String
        var kind: Kind
        /// Byte range of the member's contents within the archive.
        var contents: Range<Int>
    }

    /// Validates `archive` and lists its members in order. `source` names it in errors.
    static func entries(_ archive: [UInt8], source: String) throws -> [Entry] {
        var result: [Entry] = []
        var offset = 0
        while offset + 512 <= archive.count {
            let header = archive[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { return result }  // end-of-archive block
            func field(_ start: Int, _ length: Int) -> ArraySlice<UInt8> {
                let bytes = header[(offset + start)..<(offset + start + length)]
                return bytes.prefix { $0 != 0 }
            }
            func fail(_ reason: String) -> ConvKitError {
                .fileError(file: source, reason: "tar header at byte \(offset.grouped): \(reason)")
            }
            let magic = Array(header[(offset + 257)..<(offset + 263)])
            guard magic == Array("ustar\0".utf8) || magic == Array("ustar ".utf8) else {
                throw fail("not a ustar header (magic \(magic))")
            }
            guard let stored = octal(field(148, 8)) else { throw fail("unreadable checksum field") }
            var sum = 0, signedSum = 0  // historic tars summed signed chars; accept both
            for (i, byte) in header.enumerated() {
                sum += (148..<156).contains(i) ? 32 : Int(byte)
                signedSum += (148..<156).contains(i) ? 32 : Int(Int8(bitPattern: byte))
            }
            guard stored == sum || stored == signedSum else { throw fail("checksum \(stored) does not match the header's byte sum \(sum)") }

            var name = Array(field(0, 100))
            let prefix = Array(field(345, 155))
            if magic == Array("ustar\0".utf8), !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
            guard let rawPath = String(validating: name, as: UTF8.self) else { throw fail("member name is not UTF-8") }
            let member = "member '\(rawPath)'"
            guard let size = octal(field(124, 12)) else { throw fail("\(member): unreadable size field") }
            let start = offset + 512
            guard size <= archive.count - start else {
                throw fail("\(member): truncated: \(size.grouped) bytes announced, \((archive.count - start).grouped) left in the archive")
            }

            let kind: Entry.Kind
            switch header[offset + 156] {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .file
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "1"):
                throw fail("\(member): refusing a hard link (to '\(String(decoding: field(157, 100), as: UTF8.self))'); only regular files and directories are extracted")
            case UInt8(ascii: "2"):
                throw fail("\(member): refusing a symbolic link (to '\(String(decoding: field(157, 100), as: UTF8.self))'); only regular files and directories are extracted")
            case let type:
                throw fail("\(member): refusing member type '\(String(decoding: [type], as: UTF8.self))'; only regular files and directories are extracted")
            }
            guard !rawPath.hasPrefix("/") else { throw fail("\(member): refusing an absolute path") }
            let components = rawPath.split(separator: "/").filter { $0 != "." }
            guard !components.contains("..") else { throw fail("\(member): refusing a path with a '..' component") }
            if !components.isEmpty {
                result.append(Entry(path: components.joined(separator: "/"), kind: kind, contents: start..<(start + size)))
            } else if kind == .file {
                throw fail("\(member): a file needs a name")
            }
            offset = start + (size + 511) / 512 * 512
        }
        guard offset >= archive.count else {
            throw ConvKitError.fileError(file: source, reason: "truncated tar archive: \((archive.count - offset).grouped) bytes after the last member are not a whole header")
        }
        return result
    }

    /// Validates `archive` completely, then writes its members under `directory` (which must exist).
    static func extract(_ archive: [UInt8], source: String, into directory: String) throws {
        let members = try entries(archive, source: source)
        for entry in members {
            let parts = entry.path.split(separator: "/").map(String.init)
            var path = directory
            for (index, part) in parts.enumerated() {
                path += "/" + part
                let isLast = index == parts.count - 1
                if isLast && entry.kind == .file {
                    try write(archive, range: entry.contents, to: path, source: source)
                } else {
                    try makeDirectory(path, source: source)
                }
            }
        }
    }

    /// A non-negative octal number as tar writes it (spaces or NULs around it); nil otherwise
    /// (including GNU's base-256 form, used only for members of 8 GiB and more).
    static func octal(_ bytes: ArraySlice<UInt8>) -> Int? {
        let digits = bytes.drop { $0 == 32 }.prefix { $0 != 32 && $0 != 0 }
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value = 0
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7") else { return nil }
            value = value << 3 | Int(d - UInt8(ascii: "0"))
        }
        return value
    }

    private static func makeDirectory(_ path: String, source: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw ConvKitError.fileError(file: source, reason: "cannot create directory \(path): something else is already there")
            }
            return
        }
        guard mkdir(path, 0o755) == 0 else {
            throw ConvKitError.fileError(file: source, reason: "cannot create directory \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `archive[range]` to a new file at `path` (never over an existing file or through a link).
    private static func write(_ archive: [UInt8], range: Range<Int>, to path: String, source: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw ConvKitError.fileError(file: source, reason: "cannot create \(path): \(String(cString: strerror(errno))) (duplicate member?)")
        }
        defer { close(fd) }
        switch writeFully(descriptor: fd, archive, range: range) {
        case .complete:
            return
        case let .failed(_, code), let .ended(_, code):
            throw ConvKitError.fileError(file: source, reason: "writing \(path) failed: \(String(cString: strerror(code)))")
        }
    }
}
