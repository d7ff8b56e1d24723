import Foundation
import Glibc
import Logging

/// Applies retention: decides, then removes records and the bundles no record uses.
public enum PruneOperation {
    /// Decisions for every snapshot of the store.
    /// - Parameter held: snapshots an unfinished restore needs (``Store/heldByRestores()``),
    ///   kept whatever the rules say, with the reason given.
    public static func decide(
        _ records: [SnapshotRecord], rules: RetentionRules, timeZone: TimeZone, now: Date,
        held: [String: String] = [:]
    ) -> [RetentionDecision] {
        let pinned = Set(records.filter { $0.pinned == true }.map(\.id))
        return Retention.decide(records, rules: rules, timeZone: timeZone, pinned: pinned, now: now).map { decision in
            guard let reason = held[decision.id] else { return decision }
            var kept = decision
            kept.keep = true
            kept.reasons.append(reason)
            return kept
        }
    }

    /// Removes the snapshots `decisions` drop: records first (each an atomic unlink), then
    /// bundles and manifests no remaining record uses. A crash in between leaves only
    /// unreferenced bundles, which the next writer removes.
    /// A signal stops it between two records; the bundles of those already removed go all
    /// the same.
    /// - Parameter lock: proof that the caller holds the store lock.
    /// - Returns: the ids removed.
    /// - Throws: ``Interrupted`` naming the ids it removed, when a signal came.
    public static func apply(_ decisions: [RetentionDecision], in store: Store, lock: StoreLock, logger: Logger) throws
        -> [String]
    {
        let removed = decisions.filter { !$0.keep }.map(\.id)
        // The bundles these records free are marked first, so that after a crash between
        // the records and the bundles the next writer knows they may go.
        let records = try store.loadRecords(.withoutTables).records
        let gone = Set(removed)
        let keptBundles = Set(records.filter { !gone.contains($0.id) }.map(\.bundleSha256))
        for sha in Set(records.filter { gone.contains($0.id) }.map(\.bundleSha256)).subtracting(keptBundles) {
            try store.markPending(sha)
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
            let path = store.recordPath(id)
            if unlink(path) != 0 && errno != ENOENT { throw SystemError("remove", path, .last) }
            done.append(id)
        }
        // Stopped or not, the bundles of the records already removed go, as after a full run.
        if !done.isEmpty { try FileOps.syncDirectory(store.snapshotsDirectory) }
        let cleanup = try store.removeUnreferencedBundles(try store.loadRecords(.withoutTables))
        for path in cleanup.removed { logger.info("removed \(path)") }
        for path in cleanup.orphans { logger.warning("\(path) is used by no snapshot record and was kept") }
        if var interrupted {
            interrupted.snapshots = done
            throw interrupted.leaving(
                "removed \(done.count) of the \(removed.count) snapshots to remove, with the bundles they freed; "
                    + "the others are kept; run the prune again to finish")
        }
        return removed
    }
}
