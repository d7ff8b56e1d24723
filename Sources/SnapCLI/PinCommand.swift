import ArgumentParser
import SnapKit

/// `snap pin` and `snap unpin`: keep a snapshot whatever the policy says, or stop doing so.
struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin", abstract: "Keep a snapshot whatever the retention policy says.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The snapshot.", valueName: "ref"))
    var ref: String

    func run() throws { try setPinned(true, ref: ref, global: global) }
}

struct UnpinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin", abstract: "Let the retention policy decide about a pinned snapshot again.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The snapshot.", valueName: "ref"))
    var ref: String

    func run() throws { try setPinned(false, ref: ref, global: global) }
}

private func setPinned(_ pinned: Bool, ref: String, global: GlobalOptions) throws {
    let record = try PinOperation.set(pinned, ref: ref, in: try CommandContext(global).session)
    if global.json {
        try Output.json(record)
    } else if !global.quiet {
        Output.line("\(pinned ? "pinned" : "unpinned") \(record.id) v\(record.version) \(record.node)")
    }
}
