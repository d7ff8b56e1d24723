import Foundation

/// A snapshot to rehearse and what to rehearse it with, settled under the store lock.
struct LoadRehearsalPlan {
    var record: SnapshotRecord
    var runtime: ErlangRuntime
    var timeout: Double

    /// The runtime of `record`'s manager release when snap.yaml has it on this machine,
    /// else `erl` from the PATH; its `timeout` (120 s by default) bounds each VM. A record
    /// that does not name its Erlang node (a `--from-dir` capture) is rehearsed as the
    /// configured manager of its name on this machine, when there is one.
    /// - Throws: ``RehearsalError/noRuntime(searched:)``.
    init(_ record: SnapshotRecord, session: Session) throws {
        let entry = session.config?.managers.first { $0.name == record.node }
        let local = entry.flatMap { $0.ssh == nil ? $0 : nil }
        self.record = record
        if self.record.nodename == nil, let local, let node = try? ManagerNode.resolve(local) {
            self.record.nodename = node.nodename
        }
        runtime = try ErlangRuntime.locate(managerHome: local?.home)
        timeout = entry?.overrides["timeout"].flatMap(Double.init) ?? 120
    }
}

/// One snapshot's rehearsal, as `verify --load` reports it.
package struct LoadResult: Codable, Sendable, Equatable {
    package var id: String
    package var node: String
    package var verdict: LoadVerdict
}

extension VerifyOperation {
    /// Rehearses each plan outside the lock, then records the verdicts under it, audited as
    /// `verify-load`; a snapshot that does not load joins `report.failed`.
    static func rehearse(
        _ plans: [LoadRehearsalPlan], into report: inout VerifyReport, store: Store, session: Session,
        invocation: Invocation
    ) throws {
        var results: [LoadResult] = []
        for (index, plan) in plans.enumerated() {
            try Interruption.check(
                leaving: "\(index) of the \(plans.count) snapshots were rehearsed; their verdicts were not recorded")
            session.invocation.logger.info(
                "rehearsing \(plan.record.id) of \(plan.record.node) with \(plan.runtime.erl)")
            let rehearsal = LoadRehearsal(
                runtime: plan.runtime, timeout: plan.timeout, root: LoadRehearsal.directory(in: store))
            let verdict = try rehearsal.rehearse(plan.record, from: store)
            results.append(LoadResult(id: plan.record.id, node: plan.record.node, verdict: verdict))
        }
        report.loads = results
        let failures: [VerifyReport.Failure] = results.filter { !$0.verdict.ok }.map {
            .init(
                id: $0.id, node: $0.node,
                problem: "does not load: " + ($0.verdict.problems ?? []).prefix(3).joined(separator: "; "))
        }
        report.failed += failures
        report.ok -= failures.count
        // The failure thrown inside is only for the audit entry's outcome: the caller throws
        // with the whole report.
        do {
            try recordVerdicts(results, failures: failures, report: report, store: store, invocation: invocation)
        } catch is VerificationFailed {}
    }

    private static func recordVerdicts(
        _ results: [LoadResult], failures: [VerifyReport.Failure], report: VerifyReport, store: Store,
        invocation: Invocation
    ) throws {
        try store.withLock("verify-load", by: invocation) { locked, facts in
            facts.snapshots = results.map(\.id)
            facts.nodes = Array(Set(results.map(\.node))).sorted()
            for result in results {
                // A record pruned meanwhile is reported, not resurrected.
                guard FileOps.exists(store.recordPath(result.id)) else { continue }
                var record = try store.loadRecord(result.id)
                record.load = result.verdict
                try locked.save(record)
            }
            if !failures.isEmpty {
                var failed = report
                failed.failed = failures
                throw VerificationFailed(report: failed)
            }
        }
    }
}
