import Dispatch
import Foundation

/// Turns SIGINT (Ctrl-C) and SIGTERM into a request to stop training gracefully: the handlers
/// only set a flag, which the trainer checks before every batch, so the step in flight completes
/// and a resumable checkpoint can be written. A second signal ends the process at once with
/// status 128 + signal (the last complete checkpoint stays, writes being atomic).
///
/// The signals' default actions are replaced by `SIG_IGN` and delivered through Dispatch signal
/// sources, so no code runs in signal-handler context.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var count = 0
    private var sources: [DispatchSourceSignal] = []

    private init() {}

    /// Installs the handlers for SIGINT and SIGTERM and returns the flag they set.
    public static func install() -> StopSignal {
        let stop = StopSignal()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stop] in stop.receive(number) }
            source.resume()
            stop.sources.append(source)
        }
        return stop
    }

    private func receive(_ number: Int32) {
        lock.lock()
        received = received ?? number
        count += 1
        let again = count > 1
        lock.unlock()
        if again { _exit(128 + number) }
    }

    /// True once a signal arrived.
    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return received != nil
    }

    /// The first signal received (SIGINT = 2, SIGTERM = 15), or nil.
    public var signalNumber: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// The conventional exit status after `signalNumber`: 128 + signal (130 for SIGINT, 143 for SIGTERM).
    public var exitStatus: Int32 { 128 + (signalNumber ?? SIGINT) }
}
