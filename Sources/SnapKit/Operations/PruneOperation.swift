import Foundation
import Glibc
import Logging

/// Applies retention: decides, then removes records and the bundles no record uses.
public enum PruneOperation {
    /// Decisions for every snapshot of the store.
    public static func decide(_ records: [SnapshotRecord], rules: RetentionRules, timeZone: TimeZone, now: Date)
        -> [RetentionDecision]
    {
        let pinned = Set(records.filter { $0.pinned == true }.map(\.id))
        return Retention.decide(records, rules: rules, timeZone: timeZone, pinned: pinned, now: now)
    }

    /// Removes the snapshots `decisions` drop: records first (each an atomic unlink), then
    /// bundles and manifests no remaining record uses. A crash in between leaves only
    /// unreferenced bundles, which the next writer removes.
    /// - Parameter lock: proof that the caller holds the store lock.
    /// - Returns: the ids removed.
    public static func apply(_ decisions: [RetentionDecision], in store: Store, lock: StoreLock, logger: Logger) throws
        -> [String]
    {
        let removed = decisions.filter { !$0.keep }.map(\.id)
        for id in removed {
            let path = store.recordPath(id)
            if unlink(path) != 0 && errno != ENOENT { throw SystemError("remove", path, .last) }
        }
        if !removed.isEmpty { try FileOps.syncDirectory(store.snapshotsDirectory) }
        for path in try store.removeUnreferencedBundles(try store.loadRecords()) { logger.info("removed \(path)") }
        return removed
    }
}
