import Foundation

extension AuditLog {
    /// Actions whose entries name the snapshots they created (a restore also names its
    /// pre-restore snapshots).
    static let creatingActions: Set<String> = ["create", "restore", "restore-resume"]

    /// What the log says about snapshot records it cannot see in `set`, or nil when it
    /// agrees with them. Every snapshot is made by an audited command after `init`, so a
    /// log that starts after the oldest snapshot, or is empty while snapshots exist, lost
    /// its beginning (it was emptied, deleted or replaced). The oldest snapshot is the
    /// lowest version, and a log that names its creation has kept its beginning whatever
    /// the snapshot's date says: a capture made with the clock behind is dated before `init`.
    /// - Parameter set: the store's records.
    /// - Throws: ``SystemError`` when the log cannot be read.
    func missingBeginning(given set: RecordSet) throws -> String? {
        guard let oldest = set.records.min(by: { $0.version < $1.version }) else { return nil }
        let entries = try entries().entries
        guard let first = entries.first else {
            return
                "\(path) holds no entries, but the store holds \(set.records.count) snapshots made by audited commands: "
                + "the log was emptied or deleted"
        }
        // The first entry may be the create of the oldest snapshot itself, when `init` was
        // killed before it could log.
        let namesOldest = entries.contains {
            Self.creatingActions.contains($0.action) && $0.snapshots.contains(oldest.id)
        }
        guard first.seq == 1, first.time <= oldest.created || first.snapshots.contains(oldest.id) || namesOldest else {
            let when = ISO8601DateFormatter().string(from: first.time)
            let created = ISO8601DateFormatter().string(from: oldest.created)
            return
                "\(path) starts with entry \(first.seq) at \(when), after snapshot \(oldest.id) was created at \(created): "
                + "its earlier entries were removed (the log was emptied, deleted or replaced)"
        }
        return nil
    }

    /// Snapshots the log says were created and never pruned, whose record is neither
    /// readable nor damaged in `set`: removed outside snap, or by a prune that was killed
    /// before it could log. The same state, so a warning, not a verdict.
    /// - Returns: each such snapshot id with the sequence number of the entry that created it.
    func unrecordedSnapshots(given set: RecordSet) throws -> [(id: String, seq: Int)] {
        var created: [(id: String, seq: Int)] = []
        var gone = Set(set.records.map(\.id))
        for damaged in set.damaged {
            if let name = damaged.recordFileName { gone.insert(String(name.dropLast(".json".count))) }
        }
        for entry in try entries().entries {
            if entry.action == "prune" {
                gone.formUnion(entry.snapshots)
            } else if Self.creatingActions.contains(entry.action) {
                created += entry.snapshots.map { ($0, entry.seq) }
            }
        }
        var seen: Set<String> = []
        return created.filter { gone.contains($0.id) == false && seen.insert($0.id).inserted }
    }
}
