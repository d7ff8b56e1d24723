import ArgumentParser
import Foundation
import SnapKit

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read bundles: bundle SHA-256, every file's SHA-256, the manifest. Exit 4 on corruption.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Snapshots to verify.", valueName: "ref"))
    var refs: [String] = []

    @Flag(help: "Verify every snapshot.")
    var all = false

    func validate() throws {
        if refs.isEmpty && !all { throw ValidationError("name snapshots to verify, or pass --all") }
        if !refs.isEmpty && all { throw ValidationError("pass either snapshot references or --all, not both") }
    }

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        do {
            let report = try audit(context, store)
            render(report)
        } catch let failure as VerificationFailed {
            render(failure.report)
            throw failure
        }
    }

    private func audit(_ context: CommandContext, _ store: Store) throws -> VerifyReport {
        try context.audited("verify", in: store) { lock, facts in
            let set = try store.loadRecords()
            let records = all ? set.records : try refs.map { try SnapshotRef(parsing: $0).resolve(in: set) }
            facts.snapshots = records.map(\.id)
            facts.nodes = Array(Set(records.map(\.node))).sorted()
            var report = try VerifyOperation.run(records, in: store, lock: lock, logger: context.logger)
            // Judged against every snapshot of the node, reported for the ones checked.
            let checked = Set(records.map(\.id))
            report.clockWarnings = ClockWarning.find(in: set.records, now: Date()).filter { checked.contains($0.id) }
            if all {
                // Damaged record files are snapshots that cannot be checked: report them too.
                report.checked += set.damaged.count
                report.failed += set.damaged.map { .init(id: "-", node: "-", problem: $0.description) }
                for (id, seq) in try store.audit.unrecordedSnapshots(given: set) {
                    context.note(
                        "snap: warning: snapshot \(id), created by audit entry \(seq) and never pruned, has no record: "
                            + "\(store.recordPath(id)) is missing (removed outside snap, or a prune was interrupted)")
                }
            }
            if !report.failed.isEmpty { throw VerificationFailed(report: report) }
            return report
        }
    }

    func render(_ report: VerifyReport) {
        if !global.quiet {
            for repair in report.repaired { Output.error("snap: warning: \(repair)") }
            for warning in report.clockWarnings { Output.error("snap: warning: clock: \(warning.message)") }
        }
        if global.json {
            try? Output.json(report)
        } else if !global.quiet {
            for failure in report.failed { Output.line("FAILED  \(failure.id)  \(failure.node)  \(failure.problem)") }
            Output.line("verified \(report.checked) snapshots: \(report.ok) ok, \(report.failed.count) failed")
        }
    }
}

/// `verify` found corruption: the report is printed, then snap exits 4.
struct VerificationFailed: SnapFailure {
    var report: VerifyReport
    var exitStatus: ExitStatus { .verificationFailed }
    var description: String {
        let names = report.failed.map { "\($0.id) (\($0.problem))" }.joined(separator: "; ")
        return "verification failed for \(report.failed.count) of \(report.checked) snapshots: \(names)"
    }
}
