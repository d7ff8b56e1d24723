import Foundation

/// The pin use case: a pinned snapshot is kept by every retention policy.
package enum PinOperation {
    /// Pins (or unpins) the snapshot `ref` names, audited.
    /// - Returns: its record as saved.
    package static func set(_ pinned: Bool, ref: String, in session: Session) throws -> SnapshotRecord {
        let store = try session.openStore()
        return try store.withLock(pinned ? "pin" : "unpin", by: session.invocation) { locked, facts in
            var record = try SnapshotRef(parsing: ref).resolve(in: try session.loadRecords(store))
            facts.snapshots = [record.id]
            facts.nodes = [record.node]
            record.pinned = pinned ? true : nil
            try locked.save(record)
            return record
        }
    }
}
