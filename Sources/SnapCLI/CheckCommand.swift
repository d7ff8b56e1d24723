import ArgumentParser
import Foundation
import SnapKit

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Monitoring: age of each node's newest and newest verified snapshot, unfinished restores.",
        discussion:
            "Nagios exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Thresholds default to the policy's freshness.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Warn when the newest snapshot is older (2h, 1d).", valueName: "duration"))
    var warn: String?

    @Option(help: ArgumentHelp("Critical when the newest snapshot is older.", valueName: "duration"))
    var crit: String?

    @Option(help: ArgumentHelp("Policy for the default thresholds.", valueName: "policy"))
    var policy: String?

    @Option(help: ArgumentHelp("Also write a node_exporter textfile here.", valueName: "file"))
    var metrics: String?

    func validate() throws {
        for value in [warn, crit].compactMap({ $0 }) where (try? DurationText.seconds(value)) == nil {
            throw ValidationError("\(value.debugDescription) is not a duration (2h, 30m, 1d)")
        }
    }

    func run() throws {
        let started = Date()
        var results: [FreshnessCheck.NodeResult]
        do {
            let context = try CommandContext(global)
            let store = try context.openStore()
            let chosen = try? context.policy(policy)
            let warnAfter = try warn.map(DurationText.seconds) ?? chosen?.freshnessWarn ?? 2 * 3600
            let critAfter = try crit.map(DurationText.seconds) ?? chosen?.freshnessCrit ?? 6 * 3600
            let set = try store.loadRecords()
            results = FreshnessCheck.evaluate(
                records: set.records, nodes: context.config?.managers.map(\.name) ?? [],
                unfinishedRestores: store.unfinishedRestores(),
                damagedRecords: set.damaged.map { $0.path ?? $0.description }, warn: warnAfter,
                crit: max(critAfter, warnAfter),
                now: Date())
            results += FreshnessCheck.rescueLines(store.remainingRescues())
            if let metrics { context.writeMetrics(to: metrics, store: store, action: "check", started: started) }
        } catch {
            Output.line("UNKNOWN: \(error)")
            throw ExitCode(FreshnessCheck.State.unknown.rawValue.asInt32)
        }
        let worst = results.map(\.state).max() ?? .unknown
        if global.json {
            try Output.json(results)
        } else if results.isEmpty {
            Output.line("UNKNOWN: no managers configured and no snapshots in the store")
        } else {
            for result in results { Output.line("\(result.state.label): \(result.node): \(result.message)") }
        }
        if worst != .ok { throw ExitCode(worst.rawValue.asInt32) }
    }
}

extension Int {
    fileprivate var asInt32: Int32 { Int32(truncatingIfNeeded: self) }
}
