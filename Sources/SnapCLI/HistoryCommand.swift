import ArgumentParser
import Foundation
import SnapKit

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The audit log: every command that changed or checked the store.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Only entries since an ISO 8601 time or a duration ago (24h, 7d).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only this action (create, verify, ...).", valueName: "action"))
    var action: String?

    @Option(help: ArgumentHelp("Only entries that touched this manager.", valueName: "name"))
    var node: String?

    func validate() throws {
        if let since, Self.parseSince(since, now: Date()) == nil {
            throw ValidationError(
                "--since takes an ISO 8601 time (2026-11-28T00:00:00Z, 2026-11-28) or a duration (36h, 7d)")
        }
    }

    static func parseSince(_ text: String, now: Date) -> Date? {
        if let seconds = try? DurationText.seconds(text) { return now.addingTimeInterval(-seconds) }
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        let (entries, damaged, torn) = try store.audit.entries()
        if !damaged.isEmpty {
            let lines = damaged.map(String.init).joined(separator: ", ")
            context.note(
                "snap: warning: \(store.audit.path) lines \(lines) are damaged and not shown; run `snap audit verify`")
        }
        if torn > 0 {
            context.note(
                "snap: warning: the last line of \(store.audit.path) is torn (\(torn) bytes, a crash during a write); it is not shown"
            )
        }
        let cutoff = since.flatMap { Self.parseSince($0, now: Date()) }
        let shown = entries.filter { entry in
            (cutoff.map { entry.time >= $0 } ?? true) && (action.map { entry.action == $0 } ?? true)
                && (node.map { entry.nodes.contains($0) } ?? true)
        }
        if global.json {
            try Output.json(shown)
            return
        }
        let header = ["SEQ", "TIME", "USER", "HOST", "ACTION", "OUTCOME", "MS", "SNAPSHOTS", "COMMAND"]
        let rows = shown.map { entry in
            [
                String(entry.seq), Output.time(entry.time), entry.user, entry.host, entry.action,
                entry.outcome + (entry.error.map { ": \($0.prefix(60))" } ?? ""), String(entry.durationMs),
                entry.snapshots.isEmpty ? "-" : entry.snapshots.joined(separator: ","),
                entry.argv.map { FileOps.lastComponent(of: $0) == "snap" ? "snap" : $0 }.joined(
                    separator: " "),
            ]
        }
        // On a terminal the snapshot list and the command are shortened to fit its width
        // (marked `+N` and `…`); pipes and --json get them whole.
        Output.table(header, Output.fittingWidth.map { Output.fitted(header, rows, width: $0, list: 7) } ?? rows)
    }
}
