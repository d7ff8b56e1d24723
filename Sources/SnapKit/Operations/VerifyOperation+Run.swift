import Foundation

/// What `snap verify` is asked to check.
package enum VerifySelection: Sendable {
    /// Every snapshot, and the records that cannot be read.
    case all
    /// The snapshots these references name.
    case refs([String])
}

extension VerifyOperation {
    /// The verify use case: re-reads the selected snapshots' bundles under the lock, records
    /// each verdict, and reports them with the clock anomalies among them.
    /// - Throws: ``VerificationFailed`` (exit 4) carrying the report when any failed.
    package static func run(_ selection: VerifySelection, in session: Session) throws -> VerifyReport {
        let store = try session.openStore()
        return try store.withLock("verify", by: session.invocation) { locked, facts in
            let set = try store.loadRecords()
            let records: [SnapshotRecord]
            switch selection {
            case .all: records = set.records
            case .refs(let refs): records = try refs.map { try SnapshotRef(parsing: $0).resolve(in: set) }
            }
            facts.snapshots = records.map(\.id)
            facts.nodes = Array(Set(records.map(\.node))).sorted()
            try BundleFetch.ensure(records, in: locked, session: session)
            var report = try run(records, in: locked)
            // Judged against every snapshot of the node, reported for the ones checked.
            let checked = Set(records.map(\.id))
            report.clockWarnings = ClockWarning.find(in: set.records, now: Date()).filter { checked.contains($0.id) }
            if case .all = selection {
                // Damaged record files are snapshots that cannot be checked: report them too.
                report.checked += set.damaged.count
                report.failed += set.damaged.map { .init(id: "-", node: "-", problem: $0.description) }
                for (id, seq) in try store.audit.unrecordedSnapshots(given: set) {
                    session.invocation.warn(
                        "snapshot \(id), created by audit entry \(seq) and never pruned, has no record: "
                            + "\(store.recordPath(id)) is missing (removed outside snap, or a prune was interrupted)")
                }
            }
            if !report.failed.isEmpty { throw VerificationFailed(report: report) }
            return report
        }
    }
}

/// Verification found corruption (exit 4); the report says where.
package struct VerificationFailed: SnapFailure {
    package var report: VerifyReport
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        let names = report.failed.map { "\($0.id) (\($0.problem))" }.joined(separator: "; ")
        return "verification failed for \(report.failed.count) of \(report.checked) snapshots: \(names)"
    }
}
