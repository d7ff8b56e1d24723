import Foundation
import Glibc

/// The snapshot records of a store, newest first, and the record files that did not decode.
public struct RecordSet: Sendable {
    /// Readable records, by version, newest first.
    public var records: [SnapshotRecord]
    /// Record files that could not be read, with the reason.
    public var damaged: [StoreError]

    /// The newest record of `node`.
    public func newest(of node: String) -> SnapshotRecord? { records.first { $0.node == node } }
}

/// How much of each record ``Store/loadRecords(_:)`` reads.
public enum RecordDetail: Sendable {
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
    public func loadRecords(_ detail: RecordDetail = .full) throws -> RecordSet {
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

    private func decodeRecord(named name: String, _ detail: RecordDetail) throws(StoreError) -> SnapshotRecord {
        let path = snapshotsDirectory + "/" + name
        let bytes: [UInt8]
        var record: SnapshotRecord
        do {
            bytes = try FileOps.readFile(path)
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
            record.tablesOmitted = true
        }
        return record
    }

    /// Writes (or replaces) a record atomically, sealed (``RecordSeal``).
    /// - Throws: ``StoreError/readWithoutTables(id:)`` for a record read without its tables,
    ///   which would lose them.
    public func save(_ record: SnapshotRecord) throws {
        guard !record.tablesOmitted else { throw StoreError.readWithoutTables(id: record.id) }
        try FileOps.writeAtomically(try RecordSeal.sealed(record), to: recordPath(record.id))
    }

    /// Writes a new `store.json` atomically.
    public func saveInfo(_ info: StoreInfo) throws {
        try FileOps.writeAtomically(try JSONCoding.encode(info), to: infoPath)
    }

    /// Reads the store's copy of a bundle's manifest and checks it against the record's
    /// tree digest.
    /// - Returns: the manifest and its exact bytes.
    /// - Throws: ``StoreError`` when it is missing, damaged, or does not match the record.
    public func manifest(for record: SnapshotRecord) throws -> (manifest: BundleManifest, bytes: [UInt8]) {
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

    /// Removes temporary files a crashed writer left behind. Call only under the lock.
    /// - Returns: the paths removed.
    @discardableResult
    public func removeLeftovers() throws -> [String] {
        var removed: [String] = []
        for directory in [root, snapshotsDirectory, bundlesDirectory] {
            for name in try FileOps.listDirectory(directory) where name.hasPrefix(FileOps.temporaryPrefix) {
                let path = directory + "/" + name
                if (try? FileOps.removeTree(path)) != nil { removed.append(path) }
            }
        }
        return removed
    }

    /// Marks the bundle `sha256` as being decided by this writer (``pendingPath(_:)``), durably.
    public func markPending(_ sha256: String) throws {
        try FileOps.writeAtomically([], to: pendingPath(sha256))
    }

    /// Removes bundles (and their manifests) that no record uses and that a writer had
    /// marked pending: what a crash between writing a bundle and its record, or between a
    /// prune's records and its bundles, leaves. A bundle no record uses and no writer
    /// marked lost its record some other way (deleted by hand, a damaged disk): it is kept
    /// and returned as an orphan, for the operator to look at. Does nothing while any record
    /// is damaged, since a damaged record's bundle cannot be told apart. Call only under
    /// the lock.
    @discardableResult
    public func removeUnreferencedBundles(_ set: RecordSet) throws -> (removed: [String], orphans: [String]) {
        guard set.damaged.isEmpty else { return ([], []) }
        let used = Set(set.records.map(\.bundleSha256))
        let names = try FileOps.listDirectory(bundlesDirectory).filter { !$0.hasPrefix(".") }
        let pending = Set(names.filter { $0.hasSuffix(".pending") }.map { String($0.dropLast(".pending".count)) })
        var removed: [String] = []
        var orphans: [String] = []
        for name in names {
            guard let sha = name.split(separator: ".").first.map(String.init) else { continue }
            let path = bundlesDirectory + "/" + name
            if used.contains(sha) {
                // A marker left by a writer whose record did land.
                if name.hasSuffix(".pending") { unlink(path) }
            } else if pending.contains(sha) {
                if !name.hasSuffix(".pending"), unlink(path) == 0 { removed.append(path) }
            } else if name.hasSuffix(".tar.zst") {
                orphans.append(path)
            }
        }
        for sha in pending.subtracting(used) { unlink(pendingPath(sha)) }
        if !removed.isEmpty || !pending.isEmpty { try FileOps.syncDirectory(bundlesDirectory) }
        return (removed, orphans)
    }
}
