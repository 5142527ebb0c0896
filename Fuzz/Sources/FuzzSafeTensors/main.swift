import CFuzzerDriver
import ConvKit
import Foundation

// libFuzzer target for SafeTensors.parse: every input must parse or throw a ConvKitError. Any
// other outcome (a trap, an AddressSanitizer report, another error type) is a bug, and libFuzzer
// saves the input that caused it. SwiftPM links executables with their own `main`
// (`--defsym main=FuzzSafeTensors_main`), so this file's top level starts libFuzzer's driver,
// passing the command-line flags through. The callback is also exported under libFuzzer's
// conventional name, which the fuzzer runtime's own (unused) `main` refers to.

/// One input: parse it; anything but success or a ConvKitError stops the run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        _ = try SafeTensors.parse(bytes, file: "fuzz-input")
    } catch is ConvKitError {
    } catch {
        fatalError("SafeTensors.parse threw a non-ConvKit error: \(error)")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in fuzzOne(data, count) })
