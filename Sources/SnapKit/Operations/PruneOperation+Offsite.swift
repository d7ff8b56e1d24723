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
    /// run stopped in between leaves only unlisted objects, which the next run removes. A
    /// remote whose history does not check out is left alone (``RemoteHistoryError``).
    /// - Returns: nil when the policy gives the remote no `keep` (or the run passed its own rules).
    package static func runOffsite(_ options: PruneOptions, in session: Session) throws -> RemotePruneReport? {
        guard options.rules == nil,
            let policy = try session.policies.chooseIfAny(named: options.policy, configured: session.config?.policy),
            let offsite = policy.offsite, let keep = offsite.keep
        else { return nil }
        let remote = try session.remote(offsite.remote)
        let store = try session.openStore()
        let now = Date()
        let body = { (locked: LockedStore, facts: inout AuditFacts) throws -> RemotePruneReport in
            try locked.withScratch { scratch in
                let remoteStore = RemoteStore(remote, scratch: scratch)
                let catalog = try remoteStore.catalog(in: scratch + "/read")
                let problems = catalog.historyProblems + catalog.damagedRecords
                guard problems.isEmpty, catalog.info.storeId == store.storeId else {
                    throw RemoteHistoryError(
                        remote: remote.shown,
                        problem: (problems.isEmpty ? ["it holds another store's copies"] : problems)
                            .joined(separator: "; ") + "; nothing was pruned there")
                }
                // A pin on the local record counts, whether or not the copy there carries it.
                let local = Dictionary(
                    (try store.loadRecords(.withoutTables)).records.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }
                )
                let pinned = Set(catalog.records.filter { ($0.pinned ?? local[$0.id]?.pinned) == true }.map(\.id))
                let decisions = Retention.decide(
                    catalog.records, rules: keep, timeZone: policy.timeZone, pinned: pinned, now: now
                ).map { decision in
                    var onRemote = decision
                    onRemote.remote = remote.name
                    return onRemote
                }
                let dropped = Set(decisions.filter { !$0.keep }.map(\.id))
                facts.nodes = Array(Set(decisions.filter { !$0.keep }.map(\.node))).sorted()
                guard !options.dryRun else {
                    return RemotePruneReport(remote: remote.name, decisions: decisions, objectsRemoved: 0)
                }
                let kept = catalog.records.filter { !dropped.contains($0.id) }
                let keptBundles = Set(kept.map(\.bundleSha256))
                // Bundles there that no kept record uses: those of dropped snapshots, and those
                // an interrupted prune or copy left without a record (a copy sends them again).
                let freed = catalog.listing.bundles.keys.filter { !keptBundles.contains($0) }
                let records = dropped.sorted().map(RemoteLayout.record)
                try remoteStore.delete(records)
                facts.snapshots = dropped.sorted()
                try Interruption.check(leaving: "the records were removed there; their bundles go on the next prune")
                let objects = freed.sorted().flatMap { [RemoteLayout.bundle($0), RemoteLayout.manifest($0)] }
                    .filter { catalog.listing.objects[$0] != nil }
                try remoteStore.delete(objects)
                for id in dropped {
                    guard var record = local[id].flatMap({ try? store.loadRecord($0.id) }) else { continue }
                    record.copies = record.copies?.filter { $0.remote != remote.name }
                    if record.copies?.isEmpty == true { record.copies = nil }
                    try locked.save(record)
                }
                return RemotePruneReport(
                    remote: remote.name, decisions: decisions, objectsRemoved: records.count + objects.count)
            }
        }
        if options.dryRun {
            return try store.withLock(by: session.invocation) { locked in
                var facts = AuditFacts()
                return try body(locked, &facts)
            }
        }
        return try store.withLock("prune-offsite", by: session.invocation, body)
    }
}
