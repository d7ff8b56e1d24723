import Crypto
import Foundation
import Glibc

/// What one `snap copy` did.
package struct CopyReport: Codable, Sendable, Equatable {
    /// The remote's name.
    package var remote: String
    /// Snapshots that reached the remote in this run (uploaded, read back, recorded).
    package var copied: [String] = []
    /// Snapshots that were on the remote already.
    package var present: [String] = []
    /// Objects uploaded, and their bytes.
    package var objects: Int = 0
    package var bytes: Int64 = 0
    /// Half-written objects an interrupted copy had left, removed and written again.
    package var repaired: [String] = []
    /// Audit entries sent.
    package var auditEntries: Int = 0
    /// Snapshots copied before whose objects are missing or changed there now: never
    /// rewritten, reported (exit 4) after the others were copied.
    package var damaged: [String] = []
    /// Objects of snapshots copied before that were gone from the remote, sent again.
    package var resent: [String] = []
}

/// A copy finished, but the remote had lost or changed objects of snapshots copied before (exit 4).
package struct RemoteDamageFound: SnapFailure {
    package var report: CopyReport
    package var remote: String
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String { lines.joined(separator: "\n") }
    package var lines: [String] {
        report.damaged.map {
            "remote \(remote): \($0); snap never rewrites what it copied: check the remote "
                + "(`snap verify --remote \(report.remote)`) and remove the damaged objects there to copy them again"
        }
    }
}

/// Copies snapshots of the locked store to a remote (``RemoteLayout``): what the remote lacks
/// and nothing else, in an order that never lets an unfinished copy look finished.
///
/// 1. List the remote; check that it holds this store's copies and that its audit history is
///    a prefix of this store's.
/// 2. Upload, in one rclone run: `store.json` (first time), the missing bundles and manifests
///    under their final names, and the new audit segment and the records under `incoming/`.
/// 3. Read back everything sent, and what was there but never confirmed, and compare SHA-256s.
/// 4. Move the audit segment, then the records, from `incoming/` to their places (a rename
///    on the remote): a record appears only with its bundle read back good and its `create`
///    entry already in the remote's history.
/// 5. Record the copy in each snapshot's record (`copies`).
///
/// A run killed anywhere leaves at most bundles no record names, objects under `incoming/`,
/// or objects half-written under their final names by backends without atomic uploads: the
/// next run finds them by size or by read-back, removes them, and writes them again. An
/// object that was known good is never rewritten: if it changed on the remote, that is
/// reported as damage (exit 4); if it is gone, it is sent again.
struct OffsiteCopier {
    let locked: LockedStore
    let remote: RemoteEntry
    var progress: (@Sendable (String) -> Void)?
    var now: () -> Date = Date.init

    var store: Store { locked.store }

    /// Copies `records`; `all` is every record of the store (snapshots share bundles).
    func copy(_ records: [SnapshotRecord], among all: [SnapshotRecord]) throws -> CopyReport {
        try locked.withScratch { scratch in
            let remoteStore = RemoteStore(remote, scratch: scratch, progress: progress)
            let listing = try remoteStore.list()
            try confirmStore(listing, remoteStore)
            let audit = try auditWork(listing)
            var report = CopyReport(remote: remote.name)
            var plan = Plan(
                confirmed: Set(all.filter { $0.copy(on: remote.name) != nil }.map(\.bundleSha256)))
            for record in records { try plan.add(record, listing: listing, remote: remote, store: store) }
            report.present = plan.present.map(\.id)
            report.damaged = plan.damaged
            report.resent = plan.resent
            let (adopted, tornRecords) = try checkUnconfirmed(plan.unconfirmedRecords, via: remoteStore, in: scratch)
            let leftovers = listing.objects.keys.filter { $0.hasPrefix(RemoteLayout.incoming) }.sorted()
            report.repaired = plan.deletions + audit.torn + tornRecords.map { RemoteLayout.record($0.id) }
            try Interruption.check(leaving: "nothing was uploaded yet")
            try remoteStore.delete(report.repaired + leftovers)

            let stage = try Stage(scratch + "/stage", store: store)
            var uploads = plan.uploads
            var expected = plan.expected
            if !listing.hasInfo {
                uploads.append(RemoteLayout.info)
                expected[RemoteLayout.info] = try FileOps.sha256(ofFile: store.infoPath).sha256
            }
            for object in uploads { try stage.add(object) }
            var moves: [[String]] = [[], []]
            for segment in audit.segments {
                expected[segment.object] = SHA256.hex(of: segment.bytes)
                guard listing.objects[segment.object] == nil || audit.torn.contains(segment.object) else { continue }
                let incoming = RemoteLayout.incoming + segment.object
                try stage.write(segment.bytes, as: incoming)
                uploads.append(incoming)
                expected[incoming] = expected.removeValue(forKey: segment.object)
                moves[0].append(segment.object)
            }
            for record in plan.newRecords + tornRecords {
                let incoming = RemoteLayout.incoming + RemoteLayout.record(record.id)
                try stage.link(store.recordPath(record.id), as: incoming)
                expected[incoming] = try FileOps.sha256(ofFile: stage.path + "/" + incoming).sha256
                uploads.append(incoming)
                moves[1].append(RemoteLayout.record(record.id))
            }
            report.auditEntries = audit.newEntries
            // What reads back wrong is sent again from the stage, so it must be there.
            let restage = { (object: String) throws in
                guard !stage.holds(object) else { return }
                if let segment = audit.segments.first(where: { $0.object == object }) {
                    try stage.write(segment.bytes, as: object)
                } else {
                    try stage.add(object)
                }
            }
            try sendChecked(
                uploads, verifying: expected, from: stage.path, restage: restage, via: remoteStore, report: &report)
            try Interruption.check(leaving: "bundles were uploaded; their records were not, so they are not listed")
            // The history first, so that every record that appears is named by it.
            for batch in moves { try remoteStore.moveIncoming(batch) }
            try record(plan.present + plan.newRecords + adopted + tornRecords, report: &report)
            var state = store.remoteState(remote) ?? RemoteState(for: remote, storeConfirmed: true)
            state.storeConfirmed = true
            state.auditConfirmed = audit.confirmedThrough
            try locked.save(state, of: remote)
            return report
        }
    }

    /// Reads the records that are on the remote though their copy was never recorded (a run
    /// stopped after moving them): whole ones are adopted, the others sent again.
    private func checkUnconfirmed(_ records: [SnapshotRecord], via remoteStore: RemoteStore, in scratch: String)
        throws -> (adopted: [SnapshotRecord], torn: [SnapshotRecord])
    {
        guard !records.isEmpty else { return ([], []) }
        let downloaded = scratch + "/fetched"
        try remoteStore.download(records.map { RemoteLayout.record($0.id) }, to: downloaded)
        var adopted: [SnapshotRecord] = []
        var torn: [SnapshotRecord] = []
        for record in records {
            let object = RemoteLayout.record(record.id)
            let there = try? FileOps.readFile(downloaded + "/" + object)
            let decoded = there.flatMap { try? Store.decodeRecord($0, path: object, name: record.id + ".json") }
            if decoded?.bundleSha256 == record.bundleSha256 { adopted.append(record) } else { torn.append(record) }
        }
        return (adopted, torn)
    }

    /// Uploads `objects` from `directory`, reads them back and compares their SHA-256 with
    /// `expected`; an object that differs is removed and sent once more before giving up.
    private func sendChecked(
        _ objects: [String], verifying expected: [String: String], from directory: String,
        restage: (String) throws -> Void, via remoteStore: RemoteStore, report: inout CopyReport
    ) throws {
        var toSend = objects
        var toCheck = Array(expected.keys)
        for attempt in 1...2 {
            try remoteStore.upload(toSend, from: directory)
            report.objects += toSend.count
            report.bytes += toSend.reduce(Int64(0)) { total, object in
                total + Int64((try? FileOps.status(directory + "/" + object))??.st_size ?? 0)
            }
            let sums = try remoteStore.sha256(of: toCheck)
            let bad = toCheck.filter { sums[$0] != expected[$0] }.sorted()
            guard !bad.isEmpty else { return }
            guard attempt == 1 else { throw OffsiteError.uploadMismatch(remote: remote.shown, objects: bad) }
            locked.logger.info("objects read back wrong, sending them again: \(bad)")
            try remoteStore.delete(bad)
            try bad.forEach(restage)
            report.repaired += bad
            toSend = bad
            toCheck = bad
        }
    }

    /// Notes the copy in every record that is now complete on the remote.
    private func record(_ records: [SnapshotRecord], report: inout CopyReport) throws {
        let copied = now()
        let present = Set(report.present)
        for var record in records where !present.contains(record.id) {
            // Read again: the one in hand may lack its tables.
            record = try store.loadRecord(record.id)
            record.setCopy(SnapshotRecord.OffsiteCopy(remote: remote.name, copied: copied))
            try locked.save(record)
            report.copied.append(record.id)
        }
    }

    /// Checks that the remote holds this store's copies (its `store.json` carries this
    /// store's id), reading it once per remote path.
    private func confirmStore(_ listing: RemoteListing, _ remoteStore: RemoteStore) throws {
        guard listing.hasInfo, store.remoteState(remote)?.storeConfirmed != true else { return }
        let bytes = try remoteStore.read(RemoteLayout.info)
        let theirs = (try? JSONCoding.decode(StoreInfo.self, from: bytes, path: RemoteLayout.info))?.storeId
        guard theirs == store.storeId else {
            throw OffsiteError.foreignStore(remote: remote.shown, theirs: theirs ?? "unreadable", ours: store.storeId)
        }
    }

    /// What the audit history needs on the remote: the segment of entries it lacks, and the
    /// segments there not yet read back (`RemoteState.auditConfirmed`), each with the bytes it
    /// must hold. A segment there of another size is half-written (a backend without atomic
    /// uploads): it is sent again. Throws when what the remote has is not this store's history.
    private func auditWork(_ listing: RemoteListing) throws -> AuditWork {
        guard let head = listing.auditHead else {
            throw RemoteHistoryError(
                remote: remote.shown,
                problem: "its audit segments do not run from entry 1 without a gap: "
                    + listing.auditSegments.map(\.path).joined(separator: ", "))
        }
        let lines = try store.audit.read().lines
        if head.seq > 0 {
            guard head.seq <= lines.count, Self.hash(of: lines[head.seq - 1]).hasPrefix(head.hash) else {
                throw RemoteHistoryError(
                    remote: remote.shown,
                    problem: "its audit history differs from this store's at entry \(head.seq)"
                        + (head.seq > lines.count ? " (this store has only \(lines.count) entries)" : ""))
            }
        }
        func bytes(_ range: ClosedRange<Int>) -> [UInt8] {
            var bytes: [UInt8] = []
            for line in lines[(range.lowerBound - 1)...(range.upperBound - 1)] {
                bytes += line
                bytes.append(0x0a)
            }
            return bytes
        }
        var work = AuditWork(confirmedThrough: lines.count)
        let confirmed = store.remoteState(remote)?.auditConfirmed ?? 0
        for segment in listing.auditSegments where segment.to > confirmed {
            let expected = bytes(segment.from...segment.to)
            if segment.size != Int64(expected.count) { work.torn.append(segment.path) }
            work.segments.append((segment.path, expected))
        }
        if lines.count > head.seq {
            let object = RemoteLayout.auditSegment(
                from: head.seq + 1, to: lines.count, hash: Self.hash(of: lines[lines.count - 1]))
            work.segments.append((object, bytes((head.seq + 1)...lines.count)))
            work.newEntries = lines.count - head.seq
        }
        return work
    }

    /// The audit segments a copy sends or reads back.
    struct AuditWork {
        /// Every entry of the local log is on the remote once these are sent and read back.
        var confirmedThrough: Int
        /// Segments to read back (and to send when missing or torn), with their bytes.
        var segments: [(object: String, bytes: [UInt8])] = []
        /// Segments there that are half-written.
        var torn: [String] = []
        /// Entries the remote lacks.
        var newEntries = 0
    }

    /// An audit line's `hash`, or the SHA-256 of its bytes when it cannot be read (a damaged
    /// entry, which `audit verify` reports).
    static func hash(of line: ArraySlice<UInt8>) -> String {
        AuditEntry.fastDecode(line)?.hash ?? SHA256.hex(of: line)
    }
}
