import Foundation

/// What `snap prune` decided for a policy's remote (`offsite.keep`).
package struct RemotePruneReport: Codable, Sendable, Equatable {
    package var remote: String
    /// The decision for every snapshot on the remote.
    package var decisions: [RetentionDecision]
    /// Objects removed (records, then the bundles and manifests no kept record uses).
    package var objectsRemoved: Int
}

extension PruneOperation {
    /// Applies the policy's `offsite.keep` to its remote, audited as `prune-offsite`: records
    /// there first, then the bundles and manifests no remaining record there uses, so that a
    /// run stopped in between leaves only unlisted objects, which the next run removes. The
    /// local records keep their copy marked `pruned`, so `copy --all` does not send it back.
    /// The remote's records are read without the store lock; under it, a fresh listing must
    /// show the same records (else they are read again) before anything is removed. A remote
    /// with damaged records, or another store's, is left alone (``RemoteHistoryError``).
    /// - Returns: nil when the policy gives the remote no `keep` (or the run passed its own rules).
    package static func runOffsite(_ options: PruneOptions, in session: Session) throws -> RemotePruneReport? {
        guard options.rules == nil,
            let policy = try session.policies.chooseIfAny(named: options.policy, configured: session.config?.policy),
            let offsite = policy.offsite, let keep = offsite.keep
        else { return nil }
        let remote = try session.remote(offsite.remote)
        let store = try session.openStore()
        let now = Date()
        let scratch = try FileOps.makeTemporaryDirectory(prefix: "snap-prune")
        defer { try? FileOps.removeTree(scratch) }
        let remoteStore = RemoteStore(remote, scratch: scratch)
        var catalog = try remoteStore.catalog(in: scratch + "/read", history: false)

        func decide(_ catalog: RemoteCatalog) throws -> [RetentionDecision] {
            guard catalog.damagedRecords.isEmpty, catalog.info.storeId == store.storeId else {
                throw RemoteHistoryError(
                    remote: remote.shown,
                    problem: (catalog.damagedRecords.isEmpty
                        ? ["it holds another store's copies"] : catalog.damagedRecords)
                        .joined(separator: "; ") + "; nothing was pruned there")
            }
            // A pin on the local record counts, whether or not the copy there carries it.
            let local = try store.loadRecords(.withoutTables).records
            let pinnedHere = Set(local.filter { $0.pinned == true }.map(\.id))
            let pinned = Set(catalog.records.filter { $0.pinned == true || pinnedHere.contains($0.id) }.map(\.id))
            // The copies there are read as the store's are: a kept delta keeps its bases there.
            let decided = Retention.decide(
                catalog.records, rules: keep, timeZone: policy.timeZone, pinned: pinned, now: now)
            return Retention.keepingBases(decided, of: catalog.records)
                .map { decision in
                    var onRemote = decision
                    onRemote.remote = remote.name
                    return onRemote
                }
        }
        guard !options.dryRun else {
            return RemotePruneReport(remote: remote.name, decisions: try decide(catalog), objectsRemoved: 0)
        }
        return try store.withLock("prune-offsite", by: session.invocation) { locked, facts in
            // A copy may have run since the records were read: then read them again.
            let listing = try remoteStore.list()
            if Set(listing.recordIds) != Set(catalog.records.map(\.id)) || listing.bundles != catalog.listing.bundles {
                catalog = try remoteStore.catalog(in: scratch + "/again", history: false)
            }
            let decisions = try decide(catalog)
            let dropped = Set(decisions.filter { !$0.keep }.map(\.id))
            facts.nodes = Array(Set(decisions.filter { !$0.keep }.map(\.node))).sorted()
            let keptBundles = Set(catalog.records.filter { !dropped.contains($0.id) }.map(\.bundleSha256))
            // Bundles there that no kept record uses: those of dropped snapshots, and those an
            // interrupted prune or copy left without a record (a copy sends them again).
            let freed = catalog.listing.bundles.keys.filter { !keptBundles.contains($0) }
            let records = dropped.sorted().map(RemoteLayout.record)
            try remoteStore.delete(records)
            facts.snapshots = dropped.sorted()
            try markPruned(dropped, from: remote, at: now, in: locked)
            try Interruption.check(leaving: "the records were removed there; their bundles go on the next prune")
            let objects = freed.sorted().flatMap { RemoteLayout.bundleCandidates($0) + [RemoteLayout.manifest($0)] }
                .filter { catalog.listing.objects[$0] != nil }
            try remoteStore.delete(objects)
            return RemotePruneReport(
                remote: remote.name, decisions: decisions, objectsRemoved: records.count + objects.count)
        }
    }

    /// Marks the local records' copies on `remote` of the `dropped` snapshots as pruned.
    private static func markPruned(
        _ dropped: Set<String>, from remote: RemoteEntry, at now: Date, in locked: LockedStore
    )
        throws
    {
        for id in dropped.sorted() {
            guard var record = try? locked.store.loadRecord(id), var copy = record.copy(on: remote.name) else {
                continue
            }
            copy.pruned = now
            record.setCopy(copy)
            try locked.save(record)
        }
    }
}
