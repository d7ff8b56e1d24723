import ArgumentParser
import SnapKit

/// `snap key generate FILE`: writes an identity and prints its recipient.
struct KeyGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a new age identity to FILE (mode 0600) and print its recipient.",
        discussion: """
            The file is what `age-keygen` writes, so `age -d -i FILE` opens snap's bundles with it. \
            Put the recipient it prints under encryption.recipients in snap.yaml, keep the file \
            (encryption.identity) where only snap's user can read it, and keep a copy of it off this \
            host: without an identity, no encrypted bundle can be read by anyone.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Where to write the identity; must not exist.", valueName: "file"))
    var file: String

    func run() throws {
        let recipient = try KeyOperation.generate(to: file)
        if global.json {
            try Output.json(["identity_file": file, "recipient": recipient.description])
        } else {
            Output.line(recipient.description)
            if !global.quiet {
                Output.error(
                    "snap: wrote the identity to \(file) (mode 0600); list the recipient above under "
                        + "encryption.recipients in snap.yaml, and keep a copy of \(file) off this host")
            }
        }
    }
}
