import Crypto
import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads the CIFAR-10 binary archive, checks its MD5 and installs `cifar-10-batches-bin/`
/// into a data folder — all or nothing.
///
/// The archive is fetched to a hidden temporary file in the data folder, its MD5 compared with the
/// published one, then it is gunzipped and extracted (see ``Tar``) into a hidden temporary
/// folder there; only a complete `cifar-10-batches-bin/` is renamed into place. Every temporary
/// file and folder is removed whether this succeeds or fails, so a failure leaves no half-written
/// dataset behind.
enum CIFAR10Download {
    /// The archive published by the dataset's authors.
    static let defaultURL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    /// Its published MD5.
    static let md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    /// Environment variable that overrides ``defaultURL`` (for mirrors and tests).
    static let urlEnvironmentKey = "CONVKIT_CIFAR10_URL"
    /// Limits on the archive (162 MB) and its tar (181 MB), so a wrong file cannot exhaust memory.
    static let maxArchiveSize = 512 << 20, maxTarSize = 512 << 20

    /// The download URL: `$CONVKIT_CIFAR10_URL` when set and non-empty, else ``defaultURL``.
    static func url(environment: [String: String]) throws -> URL {
        let text = environment[urlEnvironmentKey].flatMap { $0.isEmpty ? nil : $0 } ?? defaultURL
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            throw ConvKitError.invalidArgument(name: urlEnvironmentKey, reason: "'\(text)' is not an http(s) URL")
        }
        return url
    }

    /// Downloads `url`, checks `expectedMD5`, and installs `root/cifar-10-batches-bin/`.
    static func install(into root: String, from url: URL, expectedMD5: String) throws {
        let manager = FileManager.default
        let destination = (root as NSString).appendingPathComponent(CIFAR10.folderName)
        guard !manager.fileExists(atPath: destination) else {
            throw ConvKitError.fileError(file: destination, reason: "exists but does not hold all of \((CIFAR10.fileNames(.train) + CIFAR10.fileNames(.test)).joined(separator: ", ")); remove it to download CIFAR-10 again")
        }
        do {
            try manager.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw ConvKitError.fileError(file: root, reason: "cannot create the data folder: \(error.localizedDescription)")
        }
        let token = UUID().uuidString
        let archive = (root as NSString).appendingPathComponent(".cifar-10-binary.\(token).tar.gz.part")
        let staging = (root as NSString).appendingPathComponent(".cifar-10-extract.\(token)")
        defer {
            try? manager.removeItem(atPath: archive)
            try? manager.removeItem(atPath: staging)
        }

        try fetch(url, to: archive)
        let found = try md5Hex(ofFile: archive)
        guard found == expectedMD5.lowercased() else {
            throw ConvKitError.fileError(file: url.absoluteString, reason: "MD5 \(found) does not match the expected \(expectedMD5): the download is damaged or not the CIFAR-10 binary archive; nothing was kept")
        }
        let tar = try Gzip.decompress(try DataFile.readAll(archive, limit: maxArchiveSize),
                                      source: url.absoluteString, maxOutputSize: maxTarSize)
        guard mkdir(staging, 0o700) == 0 else {
            throw ConvKitError.fileError(file: staging, reason: "cannot create the extraction folder")
        }
        try Tar.extract(tar, source: url.absoluteString, into: staging)
        let extracted = (staging as NSString).appendingPathComponent(CIFAR10.folderName)
        guard CIFAR10.isPresent(in: extracted) else {
            throw ConvKitError.fileError(file: url.absoluteString, reason: "the archive has no complete \(CIFAR10.folderName)/ folder (data_batch_1.bin … data_batch_5.bin, test_batch.bin)")
        }
        guard rename(extracted, destination) == 0 else {
            throw ConvKitError.fileError(file: destination, reason: "cannot move the extracted dataset into place: \(String(cString: strerror(errno)))")
        }
    }

    /// The MD5 of a file as 32 lowercase hex digits, read in 1 MiB chunks.
    static func md5Hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConvKitError.fileError(file: path, reason: "cannot open to compute its MD5")
        }
        defer { try? handle.close() }
        var hasher = Insecure.MD5()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw ConvKitError.fileError(file: path, reason: "read failed: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Downloads `url` into the file `destination` (synchronously), requiring HTTP status 200.
    static func fetch(_ url: URL, to destination: String) throws {
        final class Outcome: @unchecked Sendable {  // written once by the completion handler, read after `done`
            var error: ConvKitError?
            let done = DispatchSemaphore(value: 0)
        }
        let outcome = Outcome()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        configuration.timeoutIntervalForResource = 3_600
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let target = URL(fileURLWithPath: destination)
        let task = session.downloadTask(with: url) { location, response, error in
            defer { outcome.done.signal() }
            if let error {
                outcome.error = .fileError(file: url.absoluteString, reason: "download failed: \(error.localizedDescription)")
                return
            }
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                let status = (response as? HTTPURLResponse).map { "HTTP status \($0.statusCode)" } ?? "no HTTP response"
                outcome.error = .fileError(file: url.absoluteString, reason: "download failed: \(status)")
                return
            }
            guard let location else {
                outcome.error = .fileError(file: url.absoluteString, reason: "download failed: no file received")
                return
            }
            do {
                try FileManager.default.moveItem(at: location, to: target)
            } catch {
                outcome.error = .fileError(file: destination, reason: "cannot store the download: \(error.localizedDescription)")
            }
        }
        task.resume()
        outcome.done.wait()
        if let error = outcome.error { throw error }
    }
}
