import ArgumentParser
import SnapKit

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Unpack a snapshot into a new or empty directory, checking every file. No node is touched.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The snapshot.", valueName: "ref"))
    var ref: String

    @Option(help: ArgumentHelp("A new or empty directory.", valueName: "dir"))
    var to: String

    func run() throws {
        let context = try CommandContext(global)
        let result = try ExtractOperation.run(ref, to: to, in: context.session)
        if global.json {
            try Output.json(result)
        } else if !global.quiet {
            Output.line(
                "extracted \(result.id) to \(result.target): \(result.files) files, \(Output.size(result.bytes)); check with `sha256sum -c SHA256SUMS` there"
            )
        }
    }
}
