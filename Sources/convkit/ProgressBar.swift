import Foundation

/// A one-line progress bar (images/s and ETA) redrawn in place on a terminal; silent otherwise.
final class ProgressBar {
    let enabled: Bool
    private var start = Date()
    private var lastLabel = ""
    private var lastDraw = Date.distantPast
    private var visible = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(label: String, done: Int, total: Int) {
        guard enabled else { return }
        if label != lastLabel {
            lastLabel = label
            start = Date()
        }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let rate = Double(done) / elapsed
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let width = 30
        let filled = total > 0 ? width * done / total : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "%@ %@ %d/%d  %.0f images/s  ETA %.0fs", label, bar, done, total, rate, remaining)
        FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
        visible = true
    }

    /// Erases the bar so that a report line can be printed in its place.
    func clear() {
        guard enabled, visible else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
        visible = false
    }
}
