import ArgumentParser
import ConvKit

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per-layer output shapes, parameters, MACs, connections, memory and receptive field.",
        discussion: "MODEL is a zoo name (see 'convkit models') or a YAML spec file."
    )

    @Argument(help: "Zoo model name or path of a YAML spec file.")
    var model: String

    @Option(help: "Input shape C,H,W (or F), overriding the model's default.")
    var input: String?

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: String = "table"

    @Flag(help: "Show the arithmetic behind every number and the model's source notes.")
    var explain = false

    func run() throws {
        print(try SummaryReport.make(model: model, input: input, format: OutputFormat(parsing: format), explain: explain), terminator: "")
    }
}
