import Foundation
import Glibc

/// The snapshot records of a store, newest first, and the record files that did not decode.
package struct RecordSet: Sendable {
    /// Readable records, by version, newest first.
    package var records: [SnapshotRecord]
    /// Record files that could not be read, with the reason.
    package var damaged: [StoreError]

    /// The newest record of `node`.
    package func newest(of node: String) -> SnapshotRecord? { records.first { $0.node == node } }
}

/// How much of each record ``Store/loadRecords(_:)`` reads.
package enum RecordDetail: Sendable {
    /// Everything.
    case full
    /// All but the table summaries, which are most of a record's bytes and which `list`
    /// and `prune` do not show: the records come back with ``SnapshotRecord/tablesOmitted``.
    /// The files are still read whole and their seals checked.
    case withoutTables
}

extension Store {
    /// Reads every record. Damaged files are reported apart so that every other snapshot
    /// stays usable. The files are read and decoded on every core: `list`, `prune` and
    /// `create` all start here, and a store keeps thousands of records.
    package func loadRecords(_ detail: RecordDetail = .full) throws -> RecordSet {
        let names = try FileOps.listDirectory(snapshotsDirectory).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
        let results = names.concurrentMap { name in
            Result { () throws(StoreError) in try decodeRecord(named: name, detail) }
        }
        var records: [SnapshotRecord] = []
        var damaged: [StoreError] = []
        for result in results {
            switch result {
            case let .success(record): records.append(record)
            case let .failure(error): damaged.append(error)
            }
        }
        records.sort { $0.version > $1.version }
        damaged.sort { "\($0)" < "\($1)" }
        return RecordSet(records: records, damaged: damaged)
    }

    /// The record of snapshot `id`, read whole.
    /// - Throws: ``StoreError/corruptFile(path:detail:)`` when it is missing or damaged.
    package func loadRecord(_ id: String) throws -> SnapshotRecord {
        try decodeRecord(named: id + ".json", .full)
    }

    private func decodeRecord(named name: String, _ detail: RecordDetail) throws(StoreError) -> SnapshotRecord {
        let path = snapshotsDirectory + "/" + name
        let bytes: [UInt8]
        do {
            bytes = try FileOps.readFile(path)
        } catch {
            throw StoreError.corruptFile(path: path, detail: "unreadable (\(error))")
        }
        return try Self.decodeRecord(bytes, path: path, name: name, detail)
    }

    /// The record in `bytes`, the content of a file named `name` (`<id>.json`) shown as
    /// `path`, with its seal checked.
    static func decodeRecord(_ bytes: [UInt8], path: String, name: String, _ detail: RecordDetail = .full)
        throws(StoreError) -> SnapshotRecord
    {
        var record: SnapshotRecord
        do {
            record =
                try SnapshotRecord.fastDecode(bytes, tables: detail == .full)
                ?? JSONCoding.decode(SnapshotRecord.self, from: bytes, path: path)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.corruptFile(path: path, detail: "unreadable (\(error))")
        }
        guard let seal = record.seal, RecordSeal.holds(bytes, seal: seal) else {
            throw StoreError.corruptFile(
                path: path, detail: "its seal does not match its content: it was edited or damaged")
        }
        guard record.id + ".json" == name else {
            throw StoreError.corruptFile(path: path, detail: "it holds snapshot \(record.id)")
        }
        if detail == .withoutTables {
            record.tables = nil
            record.load?.tables = []  // the rehearsal's per-table counts, left out as well
            record.tablesOmitted = true
        }
        return record
    }

    /// Reads the store's copy of a bundle's manifest and checks it against the record's
    /// tree digest.
    /// - Returns: the manifest and its exact bytes.
    /// - Throws: ``StoreError`` when it is missing, damaged, or does not match the record.
    package func manifest(for record: SnapshotRecord) throws -> (manifest: BundleManifest, bytes: [UInt8]) {
        let path = manifestPath(record.bundleSha256)
        guard FileOps.exists(path) else {
            throw StoreError.corruptFile(
                path: path, detail: "the manifest of snapshot \(record.id) is missing; run \(Remedy.verify(record.id))")
        }
        let bytes = try FileOps.readFile(path)
        let manifest: BundleManifest
        do {
            manifest = try BundleManifest.decode(bytes, source: path)
        } catch {
            throw StoreError.corruptFile(path: path, detail: "\(error)")
        }
        guard TreeDigest.compute(manifest.entries) == record.treeDigest, manifest.treeDigest == record.treeDigest else {
            throw StoreError.corruptFile(
                path: path, detail: "it does not match the tree digest of snapshot \(record.id)")
        }
        return (manifest, bytes)
    }
}
