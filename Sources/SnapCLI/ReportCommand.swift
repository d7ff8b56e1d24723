import ArgumentParser
import Foundation
import SnapKit

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The store's history for an auditor: one HTML page, the same as JSON, or a summary.",
        discussion:
            "Per node: the newest, verified, loaded and off-site snapshots and check's state; the schedule's missed "
            + "and failed runs; the timeline, store size, restores, who ran what, the audit chain verified now, and "
            + "what the next prune would remove. The page needs no network and runs no script.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Write the report as one self-contained HTML file.", valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("From an ISO 8601 time or a duration ago (30d, 24h).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Until an ISO 8601 time or a duration ago (default: now).", valueName: "time"))
    var until: String?

    @Option(help: ArgumentHelp("Only this manager.", valueName: "name"))
    var node: String?

    @Option(help: ArgumentHelp("Policy to judge by (schedule, freshness, retention).", valueName: "policy"))
    var policy: String?

    func validate() throws {
        if html != nil && global.json { throw ValidationError("--html and --json are two outputs: choose one") }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, HistoryCommand.parseSince(value, now: Date()) == nil {
                throw ValidationError(
                    "\(name) takes an ISO 8601 time (2026-11-28T00:00:00Z, 2026-11-28) or a duration ago (36h, 7d)")
            }
        }
    }

    func run() throws {
        let context = try CommandContext(global)
        let now = Date()
        let options = ReportOptions(
            since: since.flatMap { HistoryCommand.parseSince($0, now: now) },
            until: until.flatMap { HistoryCommand.parseSince($0, now: now) }, node: node, policy: policy,
            htmlPath: html.map { URL(fileURLWithPath: $0).path })
        let report = try ReportOperation.run(options, in: context.session)
        if global.json {
            try Output.json(report)
            return
        }
        if let path = options.htmlPath {
            let size = (try? FileOps.status(path))??.st_size ?? 0
            Output.line("report written to \(path) (\(Output.size(Int64(size))))")
            return
        }
        Output.table(
            ["NODE", "STATE", "NEWEST", "VERIFIED", "LOADED", "OFF SITE", "SNAPSHOTS", "MISSED", "FAILED"],
            report.nodes.map { row in
                [
                    row.node, row.state, brief(row.newest), brief(row.newestVerified), brief(row.newestLoaded),
                    brief(row.newestOffsite), String(row.snapshots), row.missedRuns.map(String.init) ?? "-",
                    row.failedRuns.map(String.init) ?? "-",
                ]
            })
        for row in report.nodes {
            for run in row.unmetRuns.suffix(5) {
                Output.line("\(row.node): \(run.outcome) run expected \(Output.time(run.expected))")
            }
        }
        let evidence = report.evidence
        Output.line(
            evidence.chainOk
                ? "audit chain: \(evidence.entries) entries verified, head \(evidence.headSeq) \(evidence.headHash.prefix(16))"
                : "audit chain: FAILS: \(evidence.problem ?? "damaged")")
        let removed = report.retention.filter { !$0.keep }.count
        Output.line("next prune: removes \(removed) of \(report.retention.count) snapshots")
    }

    private func brief(_ snapshot: AuditReport.SnapshotBrief?) -> String {
        snapshot.map { "v\($0.version) \(DurationText.approximate($0.ageSeconds)) ago" } ?? "never"
    }
}
