import Foundation

/// What `snap verify` (and `rekey`) is asked to check.
package enum VerifySelection: Sendable {
    /// Every snapshot, and the records that cannot be read.
    case all
    /// The snapshots these references name.
    case refs([String])
    /// Each node's newest snapshot (a restore's pre-restore snapshots aside).
    case latest

    /// The selected records of `set`.
    /// - Throws: ``StoreError`` for a reference that names nothing.
    func records(in set: RecordSet) throws -> [SnapshotRecord] {
        switch self {
        case .all: return set.records
        case .refs(let refs): return try refs.map { try SnapshotRef(parsing: $0).resolve(in: set) }
        case .latest:
            let nodes = Set(set.records.map(\.node)).sorted()
            return nodes.compactMap { node in set.records.first { $0.node == node && !$0.isPreRestore } }
        }
    }
}

extension VerifyOperation {
    /// The verify use case: re-reads the selected snapshots' bundles under the lock, records
    /// each verdict, and reports them with the clock anomalies among them. With `load`, each
    /// snapshot that verified is then rehearsed (``LoadRehearsal``) outside the lock, so
    /// that rehearsals may run side by side, and the verdicts are recorded under it again,
    /// audited as `verify-load`.
    /// - Throws: ``VerificationFailed`` (exit 4) carrying the report when any failed or did
    ///   not load; else ``VerificationIncomplete`` (exit 1) when any could not be read or
    ///   rehearsed for want of room; ``RehearsalError`` when no rehearsal can run (exit 1).
    package static func run(_ selection: VerifySelection, load: Bool = false, in session: Session) throws
        -> VerifyReport
    {
        let store = try session.openStore()
        var rehearsals: [LoadRehearsalPlan] = []
        var report: VerifyReport
        // Rehearsals are meant to run side by side (their long part is outside the lock):
        // one waits for another's short locked phases rather than give up at once.
        var invocation = session.invocation
        if load { invocation.lockWait = max(invocation.lockWait, Self.loadLockWait) }
        do {
            report = try store.withLock("verify", by: invocation) { locked, facts in
                let set = try store.loadRecords()
                let records = try selection.records(in: set)
                facts.snapshots = records.map(\.id)
                facts.nodes = Array(Set(records.map(\.node))).sorted()
                try BundleFetch.ensure(records, in: locked, session: session)
                var report = try run(records, in: locked)
                // Judged against every snapshot of the node, reported for the ones checked.
                let checked = Set(records.map(\.id))
                report.clockWarnings = ClockWarning.find(in: set.records, now: Date()).filter {
                    checked.contains($0.id)
                }
                if case .all = selection {
                    // Damaged record files are snapshots that cannot be checked: report them too.
                    report.checked += set.damaged.count
                    report.failed += set.damaged.map { .init(id: "-", node: "-", problem: $0.description) }
                    for (id, seq) in try store.audit.unrecordedSnapshots(given: set) {
                        session.invocation.warn(
                            "snapshot \(id), created by audit entry \(seq) and never pruned, has no record: "
                                + "\(store.recordPath(id)) is missing (removed outside snap, or a prune was interrupted)"
                        )
                    }
                }
                if load {
                    // What could not be read needs the same room to be rehearsed: it is not.
                    let failed = Set(report.failed.map(\.id) + report.unread.map(\.id))
                    var runtimes: [String: ErlangRuntime] = [:]
                    rehearsals = try records.filter { !failed.contains($0.id) }.map {
                        try LoadRehearsalPlan($0, in: store, session: session, runtimes: &runtimes)
                    }
                }
                if !report.failed.isEmpty { throw VerificationFailed(report: report) }
                if !report.unread.isEmpty { throw VerificationIncomplete(report: report) }
                return report
            }
        } catch let failure as VerificationFailed where load {
            // Audited as failed; the snapshots that verified are rehearsed all the same.
            report = failure.report
        } catch let incomplete as VerificationIncomplete where load {
            report = incomplete.report
        }
        if load { try rehearse(rehearsals, into: &report, store: store, session: session, invocation: invocation) }
        if !report.failed.isEmpty { throw VerificationFailed(report: report) }
        if !report.unread.isEmpty { throw VerificationIncomplete(report: report) }
        return report
    }
}

extension VerifyOperation {
    /// How long `verify --load` waits for the store lock at least, in seconds.
    static let loadLockWait: Double = 120
}

/// Some snapshots could not be read for want of room, and none of the others failed (exit 1):
/// those were not checked, and keep their earlier verdict.
package struct VerificationIncomplete: SnapFailure {
    package var report: VerifyReport
    package var exitStatus: ExitStatus { .error }
    package var description: String {
        let names = report.unread.map(\.id).joined(separator: ", ")
        return "\(report.unread.count) snapshots could not be read or rehearsed for want of room, and keep their "
            + "earlier verdict (\(names)): \(report.unread.first?.problem ?? "")"
    }
}

/// Verification found corruption (exit 4); the report says where.
package struct VerificationFailed: SnapFailure {
    package var report: VerifyReport
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        let names = report.failed.map { "\($0.id) (\($0.problem))" }.joined(separator: "; ")
        let unread = report.unread.isEmpty ? "" : "; \(report.unread.count) more could not be read for want of room"
        return "verification failed for \(report.failed.count) of \(report.checked) snapshots: \(names)\(unread)"
    }
}
