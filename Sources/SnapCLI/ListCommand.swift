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

    @Option(help: ArgumentHelp("List what this remote holds instead of the store.", valueName: "remote"))
    var remote: String?

    func run() throws {
        let context = try CommandContext(global)
        if let remote { return try listRemote(remote, context) }
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
            ["ID", "VERSION", "CREATED", "NODE", "MODE", "SIZE", "VERIFIED", "LOADED", "TAGS"],
            Array(
                records.map { record in
                    [
                        record.id, "v\(record.version)", Output.time(record.created), record.node, record.mode.rawValue,
                        Output.size(record.bundleSize) + (record.deduplicated ? "*" : ""),
                        record.verification.map { $0.ok ? "ok" : "FAILED" } ?? "-",
                        record.load.map { $0.ok ? "ok" : "FAILED" } ?? "-", record.tags.joined(separator: ","),
                    ]
                }))
    }

    private func listRemote(_ name: String, _ context: CommandContext) throws {
        let list = try RemoteListOperation.run(remote: name, in: context.session)
        for problem in list.problems { context.note("snap: warning: remote \(name): \(problem)") }
        let shown = list.snapshots.filter { snapshot in
            (node == nil || snapshot.record.node == node) && (tag == nil || snapshot.record.tags.contains(tag ?? ""))
        }
        if global.json {
            try Output.json(shown)
            return
        }
        Output.table(
            ["ID", "VERSION", "CREATED", "NODE", "MODE", "SIZE", "STATE", "TAGS"],
            shown.map { snapshot in
                let record = snapshot.record
                return [
                    record.id, "v\(record.version)", Output.time(record.created), record.node, record.mode.rawValue,
                    Output.size(record.bundleSize), snapshot.complete ? "copied" : "INCOMPLETE",
                    record.tags.joined(separator: ","),
                ]
            })
    }
}
