import Crypto
import Foundation
import Glibc

/// Copies snapshots of the locked store to a remote (``RemoteLayout``): what the remote lacks
/// and nothing else, in an order that never lets an unfinished copy look finished.
///
/// 1. List the remote; check that it holds this store's copies, that its audit history is a
///    prefix of this store's, and that this store's own chain holds.
/// 2. Upload, in one rclone run: `store.json` (first time), the missing bundles and manifests
///    under their final names, and the new audit segment and the records under `incoming/`.
/// 3. Read back what was sent, and what was there but never confirmed, and compare SHA-256s.
/// 4. Move the audit segment, then the records, from `incoming/` to their places (a rename
///    on the remote): a record appears only with its bundle read back good and its `create`
///    entry already in the remote's history.
/// 5. Record the copy in each snapshot's record (`copies`).
///
/// A run killed anywhere leaves at most bundles no record names, objects under `incoming/`,
/// or bundles half-written under their final names by backends without atomic uploads
/// (another size than the store's): the next run removes them and finishes. What this run
/// did not send is never removed or rewritten: an object there that reads back other than
/// this store's is reported as damage (exit 4), and one that is gone is sent again.
struct OffsiteCopier {
    let locked: LockedStore
    let remote: RemoteEntry
    var progress: (@Sendable (String) -> Void)?
    var now: () -> Date = Date.init
    /// Makes the bundles named (by SHA-256) local, for a store rebuilt from another remote
    /// whose bundles are fetched on first use.
    var fetch: ([String]) throws -> Void = { _ in }
    /// Copy to a remote that holds nothing although records say snapshots were copied there.
    var reseed = false

    var store: Store { locked.store }

    /// Copies `records`; `all` is every record of the store (snapshots share bundles).
    func copy(_ records: [SnapshotRecord], among all: [SnapshotRecord]) throws -> CopyReport {
        try locked.withScratch { scratch in
            let remoteStore = RemoteStore(remote, scratch: scratch, progress: progress)
            let listing = try remoteStore.list()
            try confirmStore(listing, remoteStore, claimed: all.filter { $0.copy(on: remote.name) != nil }.count)
            let audit = try auditWork(listing)
            var report = CopyReport(remote: remote.name)
            var plan = Plan(confirmed: Set(all.filter { $0.copy(on: remote.name) != nil }.map(\.bundleSha256)))
            for record in records { try plan.add(record, listing: listing, remote: remote, store: store) }
            report.present = plan.present.map(\.id)
            report.resent = plan.resent
            let (adopted, tornRecords, staleRecords) = try checkUnconfirmed(
                plan.unconfirmedRecords, via: remoteStore, in: scratch)
            report.replaced = staleRecords.map { RemoteLayout.record($0.id) }
            let leftovers = listing.objects.keys.filter { $0.hasPrefix(RemoteLayout.incoming) }.sorted()
            report.repaired = plan.deletions + tornRecords.map { RemoteLayout.record($0.id) }
            try Interruption.check(leaving: "nothing was uploaded yet")
            try remoteStore.delete(report.repaired + leftovers)

            // Bundles of a rebuilt store that are still only on the remote it came from.
            let absent = plan.uploads.filter { !FileOps.exists(store.root + "/" + $0) }
            try fetch(absent.compactMap(RemoteLayout.bundleSha256))
            let stage = try Stage(scratch + "/stage", store: store)
            var uploads: [String] = []
            var expected = plan.expected
            var unusable = Set<String>()
            for object in plan.uploads {
                guard FileOps.exists(store.root + "/" + object) else {
                    unusable.insert(object)
                    continue
                }
                try stage.add(object)
                uploads.append(object)
            }
            if !listing.hasInfo {
                try stage.add(RemoteLayout.info)
                uploads.append(RemoteLayout.info)
                expected[RemoteLayout.info] = try FileOps.sha256(ofFile: stage.path + "/" + RemoteLayout.info).sha256
            }
            var segmentMoves: [String] = []
            if let segment = audit.newSegment {
                let incoming = RemoteLayout.incoming + segment.object
                try stage.write(segment.bytes, as: incoming)
                uploads.append(incoming)
                expected[incoming] = SHA256.hex(of: segment.bytes)
                segmentMoves.append(segment.object)
            }
            for segment in audit.unconfirmed { expected[segment.object] = SHA256.hex(of: segment.bytes) }
            var recordUploads: [SnapshotRecord] = []
            // A stale record there stays until its successor is moved over it.
            for record in plan.newRecords + tornRecords + staleRecords {
                let incoming = RemoteLayout.incoming + RemoteLayout.record(record.id)
                try stage.link(store.recordPath(record.id), as: incoming)
                expected[incoming] = try FileOps.sha256(ofFile: stage.path + "/" + incoming).sha256
                uploads.append(incoming)
                recordUploads.append(record)
            }
            report.auditEntries = audit.newSegment?.count ?? 0
            let checked = try sendChecked(
                uploads, verifying: expected, from: stage.path, via: remoteStore, report: &report)
            // Segments there that read back other than this store's: not its history.
            if let segment = audit.unconfirmed.first(where: { checked.damagedThere.contains($0.object) }) {
                throw RemoteHistoryError(
                    remote: remote.shown, problem: "its audit segment \(segment.object) is not what this store wrote")
            }
            // Snapshots whose bundle or manifest is damaged here or there are not moved into place.
            let bad = checked.damagedThere.union(checked.damagedHere).union(unusable)
            func usable(_ record: SnapshotRecord) -> Bool {
                let objects = [RemoteLayout.bundle(of: record), RemoteLayout.manifest(record.bundleSha256)]
                return !objects.contains(where: bad.contains)
            }
            for record in plan.newRecords + tornRecords + staleRecords + adopted where !usable(record) {
                report.damaged.append(Self.damage(of: record, bad: bad, checked: checked, unusable: unusable))
            }
            report.damaged += plan.damaged
            try Interruption.check(leaving: "bundles were uploaded; their records were not, so they are not listed")
            // The history first, so that every record that appears is named by it.
            try remoteStore.moveIncoming(segmentMoves)
            try remoteStore.moveIncoming(recordUploads.filter(usable).map { RemoteLayout.record($0.id) })
            try record((recordUploads + adopted).filter(usable), report: &report)
            var state = store.remoteState(remote) ?? RemoteState(for: remote, storeConfirmed: true)
            state.storeConfirmed = true
            state.auditConfirmed = audit.confirmedThrough
            try locked.save(state, of: remote)
            return report
        }
    }

    /// Why `record` was not copied, in words.
    private static func damage(
        of record: SnapshotRecord, bad: Set<String>, checked: CheckedUpload, unusable: Set<String>
    ) -> String {
        let bundle = RemoteLayout.bundle(of: record)
        let manifest = RemoteLayout.manifest(record.bundleSha256)
        if unusable.contains(bundle) {
            return "snapshot \(record.id) was not copied: its bundle is missing from the store (run `snap verify`)"
        }
        if checked.damagedHere.contains(bundle) || checked.damagedHere.contains(manifest) {
            return "snapshot \(record.id) was not copied: its bundle or manifest in the store is damaged "
                + "(run `snap verify \(record.id)`)"
        }
        return "snapshot \(record.id) was not copied: \(bad.contains(bundle) ? bundle : manifest) there reads back "
            + "other than the store's (changed since an earlier copy sent it); remove it there to copy it again"
    }

    /// Reads the records that are on the remote though their copy was never recorded (a run
    /// stopped after moving them): whole ones are adopted, the others sent again.
    /// A whole record there that names another bundle of the snapshot (the store gave it new
    /// recipients since: `snap rekey`) is stale: it is replaced, never removed first.
    private func checkUnconfirmed(_ records: [SnapshotRecord], via remoteStore: RemoteStore, in scratch: String)
        throws -> (adopted: [SnapshotRecord], torn: [SnapshotRecord], stale: [SnapshotRecord])
    {
        guard !records.isEmpty else { return ([], [], []) }
        let downloaded = scratch + "/fetched"
        try remoteStore.download(records.map { RemoteLayout.record($0.id) }, to: downloaded)
        var adopted: [SnapshotRecord] = []
        var torn: [SnapshotRecord] = []
        var stale: [SnapshotRecord] = []
        for record in records {
            let object = RemoteLayout.record(record.id)
            let there = try? FileOps.readFile(downloaded + "/" + object)
            let decoded = there.flatMap { try? Store.decodeRecord($0, path: object, name: record.id + ".json") }
            if decoded?.bundleSha256 == record.bundleSha256 {
                adopted.append(record)
            } else if decoded?.id == record.id {
                stale.append(record)
            } else {
                torn.append(record)
            }
        }
        return (adopted, torn, stale)
    }

    /// What the read-back found wrong.
    struct CheckedUpload {
        /// Objects this run did not send that read back other than expected.
        var damagedThere: Set<String> = []
        /// Objects this run sent whose file in the store is not what the store says it is.
        var damagedHere: Set<String> = []
    }

    /// Uploads `objects` from `directory`, then reads back every object of `expected` (those
    /// sent, and those there not yet confirmed) and compares their SHA-256. An object sent now
    /// that reads back wrong is removed and sent once more, unless the store's own file is
    /// the damaged one; an object this run did not send is never removed. An object that
    /// cannot be read back at all fails the run, removing nothing.
    private func sendChecked(
        _ objects: [String], verifying expected: [String: String], from directory: String,
        via remoteStore: RemoteStore, report: inout CopyReport
    ) throws -> CheckedUpload {
        var result = CheckedUpload()
        let sent = Set(objects)
        var toSend = objects
        var toCheck = Array(expected.keys)
        for attempt in 1...2 {
            try remoteStore.upload(toSend, from: directory)
            report.objects += toSend.count
            report.bytes += toSend.reduce(Int64(0)) { total, object in
                total + Int64((try? FileOps.status(directory + "/" + object))??.st_size ?? 0)
            }
            let sums = try remoteStore.sha256(of: toCheck)
            if let unread = toCheck.first(where: { sums[$0] == nil }) {
                throw OffsiteError.failed(
                    remote: remote.shown, what: "read-back", detail: "rclone could not read \(unread) back")
            }
            let wrong = toCheck.filter { sums[$0] != expected[$0] }.sorted()
            result.damagedThere.formUnion(wrong.filter { !sent.contains($0) })
            var resend: [String] = []
            var fromDamagedFiles: [String] = []
            for object in wrong where sent.contains(object) {
                let local = try FileOps.sha256(ofFile: directory + "/" + object).sha256
                if local != expected[object] { fromDamagedFiles.append(object) } else { resend.append(object) }
            }
            // What was sent from a damaged file of the store goes: it is this run's, and wrong.
            try remoteStore.delete(fromDamagedFiles)
            result.damagedHere.formUnion(fromDamagedFiles)
            guard !resend.isEmpty else { return result }
            guard attempt == 1 else { throw OffsiteError.uploadMismatch(remote: remote.shown, objects: resend) }
            locked.logger.info("objects read back wrong, sending them again: \(resend)")
            try remoteStore.delete(resend)
            report.repaired += resend
            toSend = resend
            toCheck = resend
        }
        return result
    }

    /// Notes the copy in every record that is now complete on the remote.
    private func record(_ records: [SnapshotRecord], report: inout CopyReport) throws {
        let copied = now()
        for var record in records {
            // Read again: the one in hand may lack its tables.
            record = try store.loadRecord(record.id)
            record.setCopy(SnapshotRecord.OffsiteCopy(remote: remote.name, copied: copied))
            try locked.save(record)
            report.copied.append(record.id)
        }
    }

    /// Checks that the remote holds this store's copies (its `store.json` carries this
    /// store's id), reading it once per remote path; and that a remote that holds nothing is
    /// not one that `claimed` snapshots were copied to (a wrong path, an unmounted disk), unless
    /// ``reseed``.
    private func confirmStore(_ listing: RemoteListing, _ remoteStore: RemoteStore, claimed: Int) throws {
        guard listing.hasInfo else {
            if claimed > 0 && !reseed { throw OffsiteError.emptied(remote: remote.shown, copied: claimed) }
            return
        }
        guard store.remoteState(remote)?.storeConfirmed != true else { return }
        let bytes = try remoteStore.read(RemoteLayout.info)
        let theirs = (try? JSONCoding.decode(StoreInfo.self, from: bytes, path: RemoteLayout.info))?.storeId
        guard theirs == store.storeId else {
            throw OffsiteError.foreignStore(remote: remote.shown, theirs: theirs ?? "unreadable", ours: store.storeId)
        }
    }

    /// An audit line's `hash`, or the SHA-256 of its bytes when it cannot be read.
    static func hash(of line: ArraySlice<UInt8>) -> String {
        AuditEntry.fastDecode(line)?.hash ?? SHA256.hex(of: line)
    }
}
