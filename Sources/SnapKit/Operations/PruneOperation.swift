import Foundation
import Glibc
import Logging

/// What `snap prune` is asked to do.
package struct PruneOptions: Sendable {
    /// The policy named for this run (else the config's, else `default`).
    package var policy: String?
    /// A keep set that replaces the policy's (the `--keep-*` flags); the policy, if one
    /// loads, still gives the time zone and how long pre-restore snapshots are held.
    package var rules: RetentionRules?
    /// Decide and report; remove nothing.
    package var dryRun = false
    /// Where to write a node_exporter textfile after the run.
    package var metricsPath: String?

    package init(policy: String? = nil, rules: RetentionRules? = nil, dryRun: Bool = false, metricsPath: String? = nil)
    {
        self.policy = policy
        self.rules = rules
        self.dryRun = dryRun
        self.metricsPath = metricsPath
    }
}

/// The prune use case: applies retention, deciding for every snapshot, then removing
/// records and the bundles no record uses. `snap prune` and `snap create --prune` run it.
package enum PruneOperation {
    /// Prunes the session's store as `options` say.
    /// - Returns: the decision for every snapshot.
    /// - Throws: ``PolicyError``, ``RestoreError/blocks(id:command:nodes:)`` while a restore
    ///   is unfinished, or what the store throws.
    package static func run(_ options: PruneOptions, in session: Session) throws -> [RetentionDecision] {
        let store = try session.openStore()
        let (rules, zone) = try keepSet(options, session)
        let now = Date()
        if options.dryRun {
            return decide(
                try store.loadRecords(.withoutTables).records, rules: rules, timeZone: zone, now: now,
                held: store.heldByRestores())
        }
        defer { session.writeMetrics(to: options.metricsPath, store: store, action: "prune", started: now) }
        return try store.withLock("prune", by: session.invocation) { locked, facts in
            try prune(in: locked, rules: rules, timeZone: zone, now: now, facts: &facts)
        }
    }

    /// Prunes under the lock by `rules`, and says in `facts` what went and whose it was: the
    /// one body of `snap prune` and of `create --prune`.
    static func prune(
        in locked: LockedStore, rules: RetentionRules, timeZone: TimeZone, now: Date, facts: inout AuditFacts
    ) throws -> [RetentionDecision] {
        try locked.refuseWhileRestoring("prune", nodes: nil)
        let decisions = decide(
            try locked.store.loadRecords(.withoutTables).records, rules: rules, timeZone: timeZone, now: now,
            held: locked.store.heldByRestores())
        facts.nodes = Array(Set(decisions.filter { !$0.keep }.map(\.node))).sorted()
        facts.snapshots = try apply(decisions, in: locked)
        return decisions
    }

    /// The keep set and time zone: the options' rules when given, else the policy's.
    private static func keepSet(_ options: PruneOptions, _ session: Session) throws -> (RetentionRules, TimeZone) {
        let configured = session.config?.policy
        guard var rules = options.rules else {
            let policy = try session.policies.choose(named: options.policy, configured: configured)
            return (policy.keep, policy.timeZone)
        }
        let policy = try? session.policies.choose(named: options.policy, configured: configured)
        rules.preRestore = policy?.keep.preRestore ?? RetentionRules.defaultPreRestore
        return (rules, policy?.timeZone ?? TimeZone(identifier: "UTC") ?? .current)
    }

    /// Decisions for every snapshot of the store.
    /// - Parameter held: snapshots an unfinished restore needs (``Store/heldByRestores()``),
    ///   kept whatever the rules say, with the reason given.
    package static func decide(
        _ records: [SnapshotRecord], rules: RetentionRules, timeZone: TimeZone, now: Date,
        held: [String: String] = [:]
    ) -> [RetentionDecision] {
        let pinned = Set(records.filter { $0.pinned == true }.map(\.id))
        let decided = Retention.decide(records, rules: rules, timeZone: timeZone, pinned: pinned, now: now).map {
            decision in
            guard let reason = held[decision.id] else { return decision }
            var kept = decision
            kept.keep = true
            kept.reasons.append(reason)
            return kept
        }
        // Last: whatever kept them, kept deltas keep their bases.
        return Retention.keepingBases(decided, of: records)
    }

    /// Removes the snapshots `decisions` drop: records first (each an atomic unlink), then
    /// bundles and manifests no remaining record uses. A crash in between leaves only
    /// unreferenced bundles, which the next writer removes.
    /// A signal stops it between two records; the bundles of those already removed go all
    /// the same.
    /// - Returns: the ids removed.
    /// - Throws: ``Interrupted`` naming the ids it removed, when a signal came.
    package static func apply(_ decisions: [RetentionDecision], in locked: LockedStore) throws -> [String] {
        let store = locked.store
        let removed = decisions.filter { !$0.keep }.map(\.id)
        // The bundles these records free are marked first, so that after a crash between
        // the records and the bundles the next writer knows they may go.
        let records = try store.loadRecords(.withoutTables).records
        let gone = Set(removed)
        let keptBundles = Set(records.filter { !gone.contains($0.id) }.map(\.bundleSha256))
        for sha in Set(records.filter { gone.contains($0.id) }.map(\.bundleSha256)).subtracting(keptBundles) {
            try locked.markPending(sha)
        }
        var done: [String] = []
        var interrupted: Interrupted?
        for id in removed {
            do {
                try Interruption.check()
            } catch let signal as Interrupted {
                interrupted = signal
                break
            }
            try locked.removeRecord(id)
            done.append(id)
        }
        // Stopped or not, the bundles of the records already removed go, as after a full run.
        if !done.isEmpty { try FileOps.syncDirectory(store.snapshotsDirectory) }
        let cleanup = try locked.removeUnreferencedBundles(try store.loadRecords(.withoutTables))
        for path in cleanup.removed { locked.logger.info("removed \(path)") }
        for path in cleanup.orphans { locked.logger.warning("\(path) is used by no snapshot record and was kept") }
        if var interrupted {
            interrupted.snapshots = done
            throw interrupted.leaving(
                "removed \(done.count) of the \(removed.count) snapshots to remove, with the bundles they freed; "
                    + "the others are kept; run the prune again to finish")
        }
        return removed
    }
}
