import Foundation

/// A snapshot to rehearse and what to rehearse it with, settled under the store lock.
struct LoadRehearsalPlan {
    var record: SnapshotRecord
    var runtime: ErlangRuntime
    var timeout: Double

    /// The runtime of `record`'s manager release when snap.yaml has it on this machine,
    /// else `erl` from the PATH (each found once, in `runtimes`); its `timeout` (120 s by
    /// default) bounds each VM. A record that does not name its Erlang node (a `--from-dir`
    /// capture) is rehearsed as the configured manager of its name on this machine, when
    /// there is one.
    /// - Throws: ``RehearsalError/noRuntime(searched:found:)``; ``BundleKeyError`` for an
    ///   encrypted snapshot when no identity is configured (or its file cannot be read).
    init(_ record: SnapshotRecord, in store: Store, session: Session, runtimes: inout [String: ErlangRuntime]) throws {
        // An encrypted snapshot is refused before any VM starts when there is no key to read it.
        if record.encryption != nil {
            _ = try store.keys.identities(toOpen: store.bundlePath(of: record))
        }
        let entry = session.config?.managers.first { $0.name == record.node }
        let local = entry.flatMap { $0.ssh == nil ? $0 : nil }
        self.record = record
        if self.record.nodename == nil, let local, let node = try? ManagerNode.resolve(local) {
            self.record.nodename = node.nodename
        }
        let key = local?.home ?? ""
        if let known = runtimes[key] {
            runtime = known
        } else {
            runtime = try ErlangRuntime.locate(managerHome: local?.home)
            runtimes[key] = runtime
        }
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
            session.invocation.logger.info("rehearsing \(plan.record.id) of \(plan.record.node) with \(plan.runtime)")
            let rehearsal = LoadRehearsal(runtime: plan.runtime, timeout: plan.timeout, root: LoadRehearsal.directory())
            let verdict: LoadVerdict
            do {
                verdict = try rehearsal.rehearse(plan.record, from: store)
            } catch let error as Interrupted {
                throw error
            } catch let error as RehearsalError {
                throw error
            } catch let error where Self.isScratchShortage(error) {
                // No room to unpack it is no load verdict: it verified, but is not counted as loaded.
                report.unread.append(
                    .init(id: plan.record.id, node: plan.record.node, problem: "not rehearsed: \(error)"))
                report.ok -= 1
                continue
            } catch {
                // Read outside the lock: a prune or rekey may have taken the bundle meanwhile.
                if !FileOps.exists(store.recordPath(plan.record.id))
                    || !FileOps.exists(store.bundlePath(of: plan.record))
                {
                    session.invocation.warn(
                        "\(plan.record.id) was not rehearsed: its bundle went meanwhile (pruned or rekeyed)")
                    continue
                }
                verdict = LoadVerdict(
                    checked: Date(), ok: false, seconds: 0, tables: [],
                    problems: ["it could not be unpacked for the rehearsal: \(error)"],
                    runtime: plan.runtime.description)
            }
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

    /// Whether `error` is want of room for a rehearsal's files (or a delta's archives), not
    /// anything about the snapshot.
    private static func isScratchShortage(_ error: any Error) -> Bool {
        switch error {
        case let error as SystemError:
            return error.temporary || error.errno == .noSpace || error.errno == .diskQuotaExceeded
        case BundleError.insufficientSpace: return true
        default: return false
        }
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
