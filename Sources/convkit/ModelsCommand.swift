import ArgumentParser
import ConvKit

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the zoo models.")

    func run() throws {
        let width = Zoo.names.map(\.count).max() ?? 0
        for entry in Zoo.entries {
            print(entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + entry.description)
        }
    }
}
