import Foundation

/// Writes output files atomically: the bytes go to a temporary file in the destination's folder,
/// which is then renamed over the destination, so readers never see a half-written file.
public enum AtomicFile {
    /// Writes `data` to `path` atomically; errors are ``ConvKitError/fileError(file:reason:)``.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            throw ConvKitError.fileError(file: path, reason: "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ConvKitError.fileError(file: path, reason: "cannot write: \(reason)")
        }
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
