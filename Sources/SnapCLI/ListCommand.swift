import ArgumentParser
import SnapKit

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "One line per snapshot, newest first.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Only this manager.", valueName: "name"))
    var node: String?

    @Option(help: ArgumentHelp("Only snapshots with this tag.", valueName: "tag"))
    var tag: String?

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        // `--json` prints whole records, tables included.
        let set = try store.loadRecords(global.json ? .full : .withoutTables)
        for damage in set.damaged { context.note("snap: warning: \(damage.description)") }
        for id in store.unfinishedRestores() { context.note("snap: warning: \(RestoreError.unfinished(id: id))") }
        for rescue in store.remainingRescues() {
            context.note(
                "snap: note: restore \(rescue.id) is over but its rescued files remain in \(rescue.path); remove "
                    + "them once you have checked its pre-restore snapshots (`snap list --tag pre-restore`)")
        }
        let records = set.records.lazy.filter { record in
            (node == nil || record.node == node) && (tag == nil || record.tags.contains(tag ?? ""))
        }
        if global.json {
            try Output.json(Array(records))
            return
        }
        Output.table(
            ["ID", "VERSION", "CREATED", "NODE", "MODE", "SIZE", "VERIFIED", "TAGS"],
            Array(
                records.map { record in
                    [
                        record.id, "v\(record.version)", Output.time(record.created), record.node, record.mode.rawValue,
                        Output.size(record.bundleSize) + (record.deduplicated ? "*" : ""),
                        record.verification.map { $0.ok ? "ok" : "FAILED" } ?? "-", record.tags.joined(separator: ","),
                    ]
                }))
    }
}
