import Foundation

/// What a remote holds, read back: its `store.json`, its records (seals checked), its audit
/// history (the chain walked from this store's genesis), and which snapshots are complete.
struct RemoteCatalog: Sendable {
    var listing: RemoteListing
    /// The store the remote's copies belong to.
    var info: StoreInfo
    /// The records there whose seal holds, newest first.
    var records: [SnapshotRecord]
    /// Record objects that could not be read or whose seal fails, with the reason.
    var damagedRecords: [String]
    /// The audit entries, in order, as complete lines.
    var auditLines: [ArraySlice<UInt8>]
    /// Problems with the history: the first broken link, records it does not name.
    var historyProblems: [String]

    /// Whether `record`'s bundle is there with the record's size.
    func isComplete(_ record: SnapshotRecord) -> Bool {
        listing.bundleSize(record.bundleSha256) == record.bundleSize
            && listing.objects[RemoteLayout.manifest(record.bundleSha256)] != nil
    }
}

extension RemoteStore {
    /// Reads the remote's store.json, records and audit segments into `directory` (one
    /// rclone run) and checks them.
    /// - Parameters:
    ///   - manifests: also fetch every manifest (for a store rebuilt from the remote).
    ///   - history: read and check the audit history (a prune, which needs only the records,
    ///     leaves it: it grows by a segment per copy).
    /// - Throws: ``OffsiteError/nothingThere(remote:)`` when the remote holds no store.
    func catalog(in directory: String, manifests: Bool = false, history: Bool = true) throws -> RemoteCatalog {
        let listing = try list()
        guard listing.hasInfo else { throw OffsiteError.nothingThere(remote: remote.shown) }
        var objects = [RemoteLayout.info] + listing.recordIds.map(RemoteLayout.record)
        if history { objects += listing.auditSegments.map(\.path) }
        if manifests { objects += listing.objects.keys.filter { $0.hasSuffix(".manifest.json") } }
        try download(objects, to: directory)
        let infoPath = directory + "/" + RemoteLayout.info
        guard let bytes = try? FileOps.readFile(infoPath),
            let info = try? JSONCoding.decode(StoreInfo.self, from: bytes, path: infoPath)
        else {
            throw RemoteHistoryError(remote: remote.shown, problem: "its store.json cannot be read")
        }
        var records: [SnapshotRecord] = []
        var damaged: [String] = []
        for id in listing.recordIds {
            let object = RemoteLayout.record(id)
            do {
                let bytes = try FileOps.readFile(directory + "/" + object)
                records.append(try Store.decodeRecord(bytes, path: object, name: id + ".json"))
            } catch {
                damaged.append("\(object): \(error)")
            }
        }
        records.sort { $0.version > $1.version }
        var catalog = RemoteCatalog(
            listing: listing, info: info, records: records, damagedRecords: damaged, auditLines: [],
            historyProblems: [])
        if history { try checkHistory(&catalog, in: directory) }
        return catalog
    }

    /// Walks the audit segments: each holds the entries its name says, they join without a
    /// gap, and the chain holds from the store's genesis; every record is named by an entry
    /// (a record the history does not know means the history was cut).
    private func checkHistory(_ catalog: inout RemoteCatalog, in directory: String) throws {
        var problems: [String] = []
        var lines: [ArraySlice<UInt8>] = []
        for segment in catalog.listing.auditSegments {
            guard segment.from == lines.count + 1 else {
                problems.append(
                    segment.from > lines.count + 1
                        ? "audit entries \(lines.count + 1) to \(segment.from - 1) are missing (the history was cut)"
                        : "audit segment \(segment.path) overlaps the one before it (segments were reordered or added)")
                break
            }
            let bytes = try FileOps.readFile(directory + "/" + segment.path)
            var segmentLines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
            let tail = segmentLines.removeLast()
            guard tail.isEmpty, segmentLines.count == segment.to - segment.from + 1 else {
                problems.append("audit segment \(segment.path) does not hold entries \(segment.from) to \(segment.to)")
                break
            }
            guard let last = segmentLines.last, OffsiteCopier.hash(of: last).hasPrefix(segment.headHash) else {
                problems.append("audit segment \(segment.path) does not end with the entry its name says")
                break
            }
            lines += segmentLines
        }
        let genesis = AuditLog(path: "", storeId: catalog.info.storeId).genesisHash
        let verification = AuditLog.verify(lines: lines, genesisHash: genesis)
        if let problem = verification.problem { problems.append("audit history: \(problem)") }
        if problems.isEmpty {
            var named = Set<String>()
            for line in lines { named.formUnion(AuditEntry.fastDecode(line)?.snapshots ?? []) }
            let unnamed = catalog.records.filter { !named.contains($0.id) }.map(\.id)
            if !unnamed.isEmpty {
                problems.append(
                    "its audit history does not name snapshot\(unnamed.count == 1 ? "" : "s") "
                        + unnamed.prefix(5).joined(separator: ", ") + (unnamed.count > 5 ? ", ..." : "")
                        + " (the history was cut after them)")
            }
        }
        catalog.auditLines = lines
        catalog.historyProblems = problems
    }
}
