import Foundation

/// The per-epoch metrics file of `convkit train --metrics PATH`: a CSV
/// (`epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_seconds`, accuracies in
/// [0, 1]; `seconds` is the whole epoch's wall time, `train_seconds` its training steps alone,
/// without the test pass, empty for epochs a checkpoint from before that column recorded)
/// and an SVG plot of the loss and accuracy curves next to it (`PATH` with extension `.svg`).
public enum MetricsReport {
    /// CSV text, one row per epoch.
    public static func csv(_ metrics: [EpochMetrics]) -> String {
        var out = header + "\n"
        for m in metrics {
            let trainSeconds = m.trainSeconds.map { String(format: "%.3f", $0) } ?? ""
            out += "\(m.epoch),\(format(m.trainLoss)),\(format(m.trainAccuracy)),\(format(m.testLoss)),\(format(m.testAccuracy)),\(String(format: "%.3f", m.seconds)),\(trainSeconds)\n"
        }
        return out
    }

    /// The CSV's first line.
    public static let header = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,train_seconds"
    /// The first line of files written before `train_seconds` was added (still read).
    static let headerBeforeTrainSeconds = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds"

    private static func format(_ v: Double) -> String { String(format: "%.6f", v) }

    /// Writes the CSV to `path` and the SVG to `path` with extension `.svg`, both atomically.
    public static func write(_ metrics: [EpochMetrics], to path: String) throws {
        try AtomicFile.write(Data(csv(metrics).utf8), to: path)
        let svgPath = (path as NSString).deletingPathExtension + ".svg"
        try AtomicFile.write(Data(svg(metrics).utf8), to: svgPath)
    }

    /// Two side-by-side panels: loss (train, test) and accuracy (train, test) per epoch.
    public static func svg(_ metrics: [EpochMetrics]) -> String {
        let (width, height, margin) = (360.0, 240.0, 40.0)
        func panel(_ x0: Double, title: String, series: [(String, String, [Double])], maxValue: Double, percent: Bool) -> String {
            var out = "<g transform=\"translate(\(x0),0)\">\n"
            out += "<text x=\"\(width / 2)\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(title)</text>\n"
            out += "<line x1=\"\(margin)\" y1=\"\(height - margin)\" x2=\"\(width - 10)\" y2=\"\(height - margin)\" stroke=\"black\"/>\n"
            out += "<line x1=\"\(margin)\" y1=\"30\" x2=\"\(margin)\" y2=\"\(height - margin)\" stroke=\"black\"/>\n"
            let top = maxValue > 0 ? maxValue : 1
            for tick in 0...4 {
                let value = top * Double(tick) / 4
                let y = (height - margin) - (height - margin - 30) * Double(tick) / 4
                let label = percent ? String(format: "%.0f%%", value * 100) : String(format: "%.2f", value)
                out += "<text x=\"\(margin - 4)\" y=\"\(y + 4)\" text-anchor=\"end\" font-size=\"10\">\(label)</text>\n"
            }
            let count = max(metrics.count - 1, 1)
            for (index, (name, color, values)) in series.enumerated() {
                let points = values.enumerated().map { i, v in
                    let x = margin + (width - 10 - margin) * Double(i) / Double(count)
                    let y = (height - margin) - (height - margin - 30) * min(max(v / top, 0), 1)
                    return String(format: "%.1f,%.1f", x, y)
                }.joined(separator: " ")
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
                out += "<text x=\"\(margin + 10 + Double(index) * 80)\" y=\"\(height - 8)\" font-size=\"11\" fill=\"\(color)\">\(name)</text>\n"
            }
            out += "<text x=\"\(width - 10)\" y=\"\(height - margin + 14)\" text-anchor=\"end\" font-size=\"10\">epoch</text>\n"
            return out + "</g>\n"
        }
        let maxLoss = metrics.flatMap { [$0.trainLoss, $0.testLoss] }.filter(\.isFinite).max() ?? 1
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(2 * width)\" height=\"\(height)\" font-family=\"sans-serif\">\n"
        svg += panel(0, title: "loss", series: [("train", "#1f77b4", metrics.map(\.trainLoss)), ("test", "#d62728", metrics.map(\.testLoss))],
                     maxValue: maxLoss, percent: false)
        svg += panel(width, title: "accuracy", series: [("train", "#1f77b4", metrics.map(\.trainAccuracy)), ("test", "#d62728", metrics.map(\.testAccuracy))],
                     maxValue: 1, percent: true)
        return svg + "</svg>\n"
    }
}
