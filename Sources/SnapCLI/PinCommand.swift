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
    let context = try CommandContext(global)
    let store = try context.openStore()
    let record = try context.audited(pinned ? "pin" : "unpin", in: store) { _, facts in
        var record = try SnapshotRef(parsing: ref).resolve(in: try context.loadRecords(store))
        facts.snapshots = [record.id]
        facts.nodes = [record.node]
        record.pinned = pinned ? true : nil
        try store.save(record)
        return record
    }
    if global.json {
        try Output.json(record)
    } else if !global.quiet {
        Output.line("\(pinned ? "pinned" : "unpinned") \(record.id) v\(record.version) \(record.node)")
    }
}
