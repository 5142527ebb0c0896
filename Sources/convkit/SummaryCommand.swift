import ArgumentParser
import ConvKit
import Foundation

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per-layer output shapes, parameters, MACs, connections, memory and receptive field.",
        discussion: "MODEL is a zoo name (see 'convkit models') or a YAML spec file. Rewrites: \(Rewrite.syntaxes.joined(separator: ", "))."
    )

    @Argument(help: "Zoo model name or path of a YAML spec file.")
    var model: String

    @Option(help: "Input shape C,H,W (or F), overriding the model's default.")
    var input: String?

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: String = "table"

    @Flag(help: "Show the arithmetic behind every number, memory relative to the input and the model's source notes.")
    var explain = false

    @Option(help: "Rewrite the model first (repeatable, applied in order): factorize-3x3, bottleneck=N, width=F, global-pool-head, no-groups.")
    var rewrite: [String] = []

    @Flag(help: "Print the (rewritten) model as a YAML spec instead of its summary.")
    var emitSpec = false

    @Option(help: "Also estimate training memory at this batch size.")
    var batch: Int?

    @Option(help: "Optimizer of the training-memory estimate: sgd (momentum, default) or adam.")
    var optimizer: String?

    @Option(help: "Add these operations to the MACs, comma-separated: bn, add, pool, adaptivepool, act, bias (to reproduce fvcore's, torchinfo's or ptflops' count; see the README).")
    var count: String?

    func run() throws {
        let output = try SummaryReport.run(model: model, options: .init(
            input: input, format: OutputFormat(parsing: format), explain: explain, rewrites: rewrite,
            emitSpec: emitSpec, batch: batch, optimizer: optimizer, count: count))
        for note in output.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        print(output.text, terminator: "")
    }
}
