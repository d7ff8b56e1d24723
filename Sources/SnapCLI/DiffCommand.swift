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
        let records = try context.loadRecords(store)
        let old = try SnapshotRef(parsing: from).resolve(in: records)
        let new = try SnapshotRef(parsing: to).resolve(in: records)
        var diff = SnapshotDiff(
            from: old.id, try store.manifest(for: old).manifest,
            to: new.id, try store.manifest(for: new).manifest)
        if let before = old.tables, let after = new.tables {
            diff.tables = SnapshotDiff.tableChanges(before, after)
        }
        if global.json {
            try Output.json(diff)
            return
        }
        Output.line("\(old.id) (v\(old.version), \(old.node)) -> \(new.id) (v\(new.version), \(new.node))")
        if diff.isEmpty { Output.line("no differences") }
        for path in diff.added { Output.line("+ \(path.escapedForTerminal)") }
        for path in diff.removed { Output.line("- \(path.escapedForTerminal)") }
        for change in diff.changed { Output.line("~ \(change.path.escapedForTerminal)  \(change.detail)") }
        if let tables = diff.tables {
            Output.line(tables.isEmpty ? "tables: no row changes" : "tables:")
            for table in tables {
                let before = table.before.map(String.init) ?? "absent"
                let after = table.after.map(String.init) ?? "absent"
                // Row counts come from records, which a damaged store may hold any number in.
                let (delta, overflow) = (table.after ?? 0).subtractingReportingOverflow(table.before ?? 0)
                let sign =
                    overflow
                    ? "changed" : delta > 0 ? "+\(delta)" : (delta < 0 ? "\(delta)" : "same count, rows changed")
                Output.line("  \(table.name.escapedForTerminal)  \(before) -> \(after) rows (\(sign))")
            }
        }
    }
}
