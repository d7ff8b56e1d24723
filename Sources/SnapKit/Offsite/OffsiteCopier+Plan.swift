import Foundation

extension OffsiteCopier {
    /// What a copy must do, worked out from the listing before anything is sent.
    struct Plan {
        /// Objects to upload from the store, in no particular order (rclone sends several at once).
        var uploads: [String] = []
        /// The SHA-256 each object to read back must have.
        var expected: [String: String] = [:]
        /// Half-written objects to remove first.
        var deletions: [String] = []
        /// Snapshots whose copy is recorded and still there.
        var present: [SnapshotRecord] = []
        /// Snapshots whose record object must be uploaded.
        var newRecords: [SnapshotRecord] = []
        /// Snapshots whose record object is there, though the copy was never recorded (a run
        /// stopped after uploading it): read it to tell whole from half-written.
        var unconfirmedRecords: [SnapshotRecord] = []
        /// Objects known good before that changed there since.
        var damaged: [String] = []
        /// Objects known good before that are gone there, sent again.
        var resent: [String] = []
        /// Bundles already planned, by SHA-256 (snapshots share them).
        private var planned: Set<String> = []
        /// Bundles some snapshot's recorded copy vouches for: never removed, even when they look wrong.
        let confirmed: Set<String>

        init(confirmed: Set<String>) { self.confirmed = confirmed }

        /// Plans the copy of `record`.
        mutating func add(_ record: SnapshotRecord, listing: RemoteListing, remote: RemoteEntry, store: Store) throws {
            let bundle = RemoteLayout.bundle(of: record)
            let manifest = RemoteLayout.manifest(record.bundleSha256)
            let recordObject = RemoteLayout.record(record.id)
            // Its size only: a manifest is hashed when it is sent or read back, not on every run.
            let manifestPath = store.manifestPath(record.bundleSha256)
            guard let manifestStatus = try FileOps.status(manifestPath) else {
                throw SystemError("read", manifestPath, .noSuchFileOrDirectory)
            }
            let manifestSize = Int64(manifestStatus.st_size)
            let sizes: [(object: String, size: Int64, what: String)] = [
                (bundle, record.bundleSize, "bundle"), (manifest, manifestSize, "manifest"),
            ]
            if record.copy(on: remote.name) != nil || confirmed.contains(record.bundleSha256) {
                // Checked before: what is still there must be as it was. A changed object is
                // damage, never rewritten; a missing one is sent again (nothing is overwritten).
                let changed = sizes.filter { expected in
                    listing.objects[expected.object].map { $0 != expected.size } ?? false
                }
                if !changed.isEmpty {
                    damaged.append(
                        "snapshot \(record.id): its \(changed.map(\.what).joined(separator: " and ")) there changed "
                            + "since it was copied (\(changed.map(\.object).joined(separator: ", ")))")
                    return
                }
                let missing =
                    sizes.filter { listing.objects[$0.object] == nil }.map(\.object)
                    + (listing.objects[recordObject] == nil && record.copy(on: remote.name) != nil
                        ? [recordObject] : [])
                if missing.isEmpty && record.copy(on: remote.name) != nil {
                    present.append(record)
                    return
                }
                resent += missing.filter { !resent.contains($0) }
            }
            // A bundle an earlier copy confirmed is not read again; one that is gone is sent again.
            if !planned.contains(record.bundleSha256) {
                planned.insert(record.bundleSha256)
                let known = confirmed.contains(record.bundleSha256)
                if !known || listing.objects[bundle] == nil {
                    plan(bundle, size: record.bundleSize, sha256: record.bundleSha256, listing: listing)
                }
                if !known || listing.objects[manifest] == nil {
                    let sha256 = try FileOps.sha256(ofFile: manifestPath).sha256
                    plan(manifest, size: manifestSize, sha256: sha256, listing: listing)
                }
            }
            if listing.objects[recordObject] != nil {
                unconfirmedRecords.append(record)
            } else {
                newRecords.append(record)
            }
        }

        /// An object of the right size is read back (it may be a good one from a run that
        /// stopped before recording it); one of another size is half-written (no copy was ever
        /// recorded of it): removed and sent again.
        private mutating func plan(_ object: String, size: Int64, sha256: String, listing: RemoteListing) {
            expected[object] = sha256
            switch listing.objects[object] {
            case size: break
            case nil: uploads.append(object)
            default:
                deletions.append(object)
                uploads.append(object)
            }
        }
    }
}
