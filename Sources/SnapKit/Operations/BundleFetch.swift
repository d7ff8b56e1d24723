import Foundation

/// Fetches, on first use, the bundles a store rebuilt from a remote has not fetched yet
/// (``RemoteBundleMarker``): one rclone run per remote, each bundle checked by its SHA-256.
enum BundleFetch {
    /// Makes the bundles of `records` local. Does nothing for a store that holds them.
    /// - Returns: how many bundles were fetched.
    /// - Throws: ``OffsiteError``, ``RemoteBundleDamaged``, ``ConfigError`` for a remote that
    ///   snap.yaml no longer names.
    @discardableResult
    static func ensure(_ records: [SnapshotRecord], in locked: LockedStore, session: Session) throws -> Int {
        var byRemote: [String: Set<String>] = [:]
        // A delta is read against its bases: theirs come too.
        let links = DeltaLinks((try? locked.store.loadRecords(.withoutTables).records) ?? [])
        let needed = records.flatMap { record in
            (record.deltaBase == nil ? [] : (try? Store.deltaChain(of: record, in: links)) ?? []) + [record]
        }
        for record in needed {
            if let remote = locked.store.remoteHolding(record) {
                byRemote[remote, default: []].insert(RemoteLayout.bundle(of: record))
            }
        }
        var fetched = 0
        for (name, objects) in byRemote.sorted(by: { $0.key < $1.key }) {
            let remote = try session.remote(name)
            try locked.withScratch { scratch in
                let wanted = objects.sorted()
                try RemoteStore(remote, scratch: scratch).download(wanted, to: scratch)
                try locked.adoptFetched(wanted, from: scratch, remote: remote)
            }
            session.invocation.logger.info("fetched \(objects.count) bundles from remote \(name)")
            fetched += objects.count
        }
        return fetched
    }
}
