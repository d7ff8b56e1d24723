import Foundation

/// A snapshot as a remote holds it.
package struct RemoteSnapshot: Codable, Sendable, Equatable {
    /// The record as it was copied.
    package var record: SnapshotRecord
    /// True when its bundle and manifest are there too (what a finished copy leaves).
    package var complete: Bool
}

/// What `snap list --remote` shows.
package struct RemoteList: Sendable {
    /// Newest first.
    package var snapshots: [RemoteSnapshot]
    /// Damaged records and history problems, for warnings.
    package var problems: [String]
}

/// The remote list use case: reads the remote's records and history (no lock: the local
/// store is not written).
package enum RemoteListOperation {
    /// - Throws: ``OffsiteError``, ``RemoteHistoryError`` for a remote whose store.json cannot be read.
    package static func run(remote name: String, in session: Session) throws -> RemoteList {
        let remote = try session.remote(name)
        let scratch = try FileOps.makeTemporaryDirectory(prefix: "snap-list")
        defer { try? FileOps.removeTree(scratch) }
        let catalog = try RemoteStore(remote, scratch: scratch).catalog(in: scratch + "/read")
        var problems = catalog.historyProblems + catalog.damagedRecords
        if let store = try? session.openStore(), store.storeId != catalog.info.storeId {
            problems.append("it holds the copies of store \(catalog.info.storeId), not of \(store.root)")
        }
        return RemoteList(
            snapshots: catalog.records.map { RemoteSnapshot(record: $0, complete: catalog.isComplete($0)) },
            problems: problems)
    }
}
