import ArgumentParser
import SnapKit

/// `snap key`: age identities for encryption at rest.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Make age identities for encrypting bundles.",
        subcommands: [KeyGenerateCommand.self])
}
