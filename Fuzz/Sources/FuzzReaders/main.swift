import CFuzzerDriver
@testable import ConvKit
import Foundation

// libFuzzer target for ConvKit's other readers (SafeTensors has its own target): every input must
// be read or rejected with a ConvKitError. Any other outcome (a trap, an AddressSanitizer report,
// another error type) is a bug, and libFuzzer saves the input. The reader is chosen with
// $CONVKIT_FUZZ_READER; scripts/fuzz-readers.sh runs each in turn. `@testable` reaches the
// internal parse entry points (debug builds enable testability).

/// The readers this target fuzzes.
enum Reader: String, CaseIterable {
    /// `ModelSpec.parse` and the shape/cost analysis (`Summary`) of what it accepts.
    case yaml
    /// One CIFAR-10 batch file (`CIFAR10.batch`).
    case cifar10
    /// An MNIST IDX file, raw or gzipped (`MNIST.parseImages` / `parseLabels`).
    case mnist
    /// A tar archive's validation (`Tar.entries`; nothing is extracted).
    case tar
    /// A CSV feature table with a `label` column (`FeatureTable`).
    case csv
    /// A Gaussian model JSON file (`GaussianModelFile`).
    case gaussian
}

/// The reader named by $CONVKIT_FUZZ_READER (a global, so the C callback captures nothing).
let reader: Reader = {
    guard let reader = Reader(rawValue: ProcessInfo.processInfo.environment["CONVKIT_FUZZ_READER"] ?? "") else {
        FileHandle.standardError.write(Data("set CONVKIT_FUZZ_READER to one of \(Reader.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return reader
}()

/// One input through the chosen reader.
func read(_ bytes: [UInt8]) throws {
    let name = "fuzz-input"
    switch reader {
    case .yaml:
        guard let text = String(validating: bytes, as: UTF8.self) else { return }  // ModelSpec.load refuses non-UTF-8 first
        _ = try Summary(try ModelSpec.parse(yaml: text, file: name))
    case .cifar10:
        _ = try CIFAR10.batch(bytes, path: name)
    case .mnist:
        let contents = try MNIST.decompressed(bytes, path: name)
        if contents.count >= 4 && contents[3] == 1 { _ = try MNIST.parseLabels(contents, path: name) } else { _ = try MNIST.parseImages(contents, path: name) }
    case .tar:
        _ = try Tar.entries(bytes, source: name)
    case .csv:
        _ = try FeatureTable(data: Data(bytes), file: name, labelColumn: "label")
    case .gaussian:
        _ = try GaussianModelFile(decoding: Data(bytes), file: name)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        try read(bytes)
    } catch is ConvKitError {
    } catch {
        fatalError("the \(reader) reader threw a non-ConvKit error: \(error)")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in fuzzOne(data, count) })
