import ArgumentParser
import Foundation
import SnapKit

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract:
            "Apply retention: every snapshot with keep/remove and its reasons; removes records, then unused bundles.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Policy name or path (default: the config's, else default).", valueName: "policy"))
    var policy: String?

    @Option(
        name: .customLong("keep-last"),
        help: "Keep the N highest versions of each node (replaces the policy's keep set).")
    var keepLast: Int?
    @Option(name: .customLong("keep-hourly")) var keepHourly: Int?
    @Option(name: .customLong("keep-daily")) var keepDaily: Int?
    @Option(name: .customLong("keep-weekly")) var keepWeekly: Int?
    @Option(name: .customLong("keep-monthly")) var keepMonthly: Int?
    @Option(name: .customLong("keep-yearly")) var keepYearly: Int?
    @Option(
        name: .customLong("keep-within"),
        help: ArgumentHelp("Keep everything this much younger than the newest (36h, 14d).", valueName: "duration"))
    var keepWithin: String?

    @Flag(name: .customLong("dry-run"), help: "Show the decisions; remove nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Write a node_exporter textfile here after the run.", valueName: "file"))
    var metrics: String?

    func validate() throws {
        if [keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly].contains(where: { ($0 ?? 0) < 0 }) {
            throw ValidationError("--keep-* counts must be 0 or more")
        }
        if let keepWithin, (try? DurationText.seconds(keepWithin)) == nil {
            throw ValidationError("--keep-within takes a duration like 36h or 14d")
        }
    }

    func run() throws {
        let context = try CommandContext(global)
        let flags = RetentionRules(
            last: keepLast, hourly: keepHourly, daily: keepDaily, weekly: keepWeekly, monthly: keepMonthly,
            yearly: keepYearly, within: try keepWithin.map(DurationText.seconds))
        let options = PruneOptions(
            policy: policy, rules: flags == RetentionRules() ? nil : flags, dryRun: dryRun,
            metricsPath: dryRun ? nil : metrics)
        let local = try PruneOperation.run(options, in: context.session)
        // The remote's decisions carry `remote` in JSON, after the store's own.
        let remote = try PruneOperation.runOffsite(options, in: context.session)
        if global.json {
            try Output.json(local + (remote?.decisions ?? []))
            return
        }
        render(local)
        if let remote, !global.quiet {
            Output.line("")
            Output.line("remote \(remote.remote) (offsite.keep of the policy):")
            render(remote.decisions)
        }
    }

    private func render(_ decisions: [RetentionDecision]) {
        if global.quiet { return }
        Output.table(
            ["ID", "VERSION", "NODE", "CREATED", "ACTION", "REASONS"],
            decisions.map { decision in
                [
                    decision.id, "v\(decision.version)", decision.node, Output.time(decision.created),
                    decision.keep ? "keep" : (dryRun ? "would remove" : "removed"),
                    decision.reasons.joined(separator: ", "),
                ]
            })
        let removed = decisions.filter { !$0.keep }.count
        Output.line("\(decisions.count - removed) kept, \(removed) \(dryRun ? "to remove (dry run)" : "removed")")
    }
}
