import ArgumentParser
import SnapKit

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Files added, removed and changed between two snapshots.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The older snapshot.", valueName: "ref"))
    var from: String

    @Argument(help: ArgumentHelp("The newer snapshot.", valueName: "ref"))
    var to: String

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        let records = try store.loadRecords().records
        let old = try SnapshotRef(parsing: from).resolve(in: records)
        let new = try SnapshotRef(parsing: to).resolve(in: records)
        let diff = SnapshotDiff(
            from: old.id, try store.manifest(for: old).manifest,
            to: new.id, try store.manifest(for: new).manifest)
        if global.json {
            try Output.json(diff)
            return
        }
        Output.line("\(old.id) (v\(old.version), \(old.node)) -> \(new.id) (v\(new.version), \(new.node))")
        if diff.isEmpty { Output.line("no differences") }
        for path in diff.added { Output.line("+ \(path)") }
        for path in diff.removed { Output.line("- \(path)") }
        for change in diff.changed { Output.line("~ \(change.path)  \(change.detail)") }
    }
}
