import ArgumentParser
import ConvKit
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Two models side by side: totals with differences (B − A) and ratios (A / B), and the layers both have.",
        discussion: "A and B are zoo names or YAML spec files. --rewrite applies to B only: 'convkit compare alexnet alexnet --rewrite no-groups'."
    )

    @Argument(help: "Model A: zoo name or path of a YAML spec file.")
    var a: String

    @Argument(help: "Model B: zoo name or path of a YAML spec file.")
    var b: String

    @Option(help: "Input shape C,H,W (or F) for both models, overriding their defaults.")
    var input: String?

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: String = "table"

    @Option(help: "Rewrite model B first (repeatable, applied in order): factorize-3x3, bottleneck=N, width=F, global-pool-head, no-groups.")
    var rewrite: [String] = []

    func run() throws {
        let output = try ComparisonReport.run(a: a, b: b, input: input, format: OutputFormat(parsing: format), rewrites: rewrite)
        for note in output.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        print(output.text, terminator: "")
    }
}
