import ArgumentParser
import ConvKit

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the zoo models.")

    @Flag(name: .customLong("spec-keys"), help: "Print the keys of every layer kind in spec files (a markdown table) instead.")
    var specKeys = false

    func run() throws {
        if specKeys {
            print(LayerKinds.markdownTable(), terminator: "")
            return
        }
        let width = Zoo.names.map(\.count).max() ?? 0
        for entry in Zoo.entries {
            print(entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + entry.description)
        }
    }
}
