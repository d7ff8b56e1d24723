import Foundation

/// What `snap init --from` rebuilt.
package struct RebuiltStore: Codable, Sendable, Equatable {
    package var store: String
    package var storeId: String
    package var remote: String
    /// Snapshots adopted from the remote.
    package var snapshots: Int
    /// Audit entries adopted, their chain checked from the store's genesis.
    package var auditEntries: Int
    /// Bundles fetched now (`--all`), and those left on the remote until a command needs them.
    package var bundlesFetched: Int
    package var bundlesOnDemand: Int
    /// Records the remote holds without their bundle (not adopted), one line each.
    package var skipped: [String]
}

extension InitOperation {
    /// Rebuilds a store from its copy on `remote` (after losing the backup host): the
    /// remote's records and audit history, checked end to end, in a new store with the same
    /// id at the session's store path; bundles now with `all`, else on first use.
    /// - Throws: ``RemoteHistoryError`` (exit 4) for a remote whose history was cut,
    ///   reordered or edited, or whose records are damaged: nothing is written then;
    ///   ``StoreError/alreadyExists(_:)``, ``OffsiteError``.
    package static func run(from name: String, all: Bool, in session: Session) throws -> RebuiltStore {
        let remote = try session.remote(name)
        guard let path = session.storePath else { throw StoreError.noStoreConfigured }
        if let status = try FileOps.status(path) {
            guard (status.st_mode & S_IFMT) == S_IFDIR else { throw StoreError.alreadyExists(path) }
            guard try FileOps.listDirectory(path).isEmpty else { throw StoreError.alreadyExists(path) }
        }
        let scratch = try FileOps.makeTemporaryDirectory(prefix: "snap-init")
        defer { try? FileOps.removeTree(scratch) }
        let remoteStore = RemoteStore(remote, scratch: scratch)
        let catalog = try remoteStore.catalog(in: scratch + "/read", manifests: true)
        let problems = catalog.historyProblems + catalog.damagedRecords
        guard problems.isEmpty else {
            throw RemoteHistoryError(remote: remote.shown, problem: problems.joined(separator: "; "))
        }
        // A delta is adopted only with its whole chain there: without a base it reads nothing.
        let links = DeltaLinks(catalog.records)
        func chainIsThere(_ record: SnapshotRecord) -> Bool {
            guard record.deltaBase != nil else { return true }
            guard let chain = try? Store.deltaChain(of: record, in: links) else { return false }
            return chain.allSatisfy(catalog.isComplete)
        }
        let adopted = catalog.records.filter { catalog.isComplete($0) && chainIsThere($0) }
        let skipped = catalog.records.filter { !catalog.isComplete($0) || !chainIsThere($0) }.map {
            "snapshot \($0.id) (\($0.node) v\($0.version)): "
                + (catalog.isComplete($0)
                    ? "a base it is a delta of is not on the remote" : "its bundle is not on the remote")
                + "; not adopted"
        }
        for line in skipped { session.invocation.warn(line) }
        var info = catalog.info
        info.lastVersion = max(info.lastVersion, catalog.records.map(\.version).max() ?? 0)
        // Built beside `path` and renamed into place whole: a crash at any point leaves no
        // store there that looks rebuilt, only a `.tmp-` directory beside it.
        let parent = FileOps.parent(of: path)
        let building =
            (parent.isEmpty ? "." : parent) + "/" + FileOps.temporaryPrefix + "snap-init-"
            + FileOps.randomHex(bytes: 6)
        let store = try Store.initialize(at: building, info: info)
        let bundles = Array(Set(adopted.map(RemoteLayout.bundle(of:)))).sorted()
        let copied = Date()
        do {
            try store.withLock("init", by: session.invocation) { locked, facts in
                try locked.adoptAuditLog(catalog.auditLines)
                for sha in bundles.compactMap(RemoteLayout.bundleSha256) {
                    let manifest = scratch + "/read/" + RemoteLayout.manifest(sha)
                    try locked.saveManifestCopy(try FileOps.readFile(manifest), of: sha)
                    try locked.markRemote(sha, on: remote.name)
                }
                for var record in adopted {
                    // What this store knows: the copy it came from. Other remotes' copies and
                    // the old host's verdicts are the old store's, not checked from here.
                    record.copies = [SnapshotRecord.OffsiteCopy(remote: remote.name, copied: copied)]
                    record.verification = nil
                    try locked.save(record)
                }
                if all {
                    // Into the store's own scratch: renamed into place on the same filesystem.
                    try locked.withScratch { directory in
                        try remoteStore.download(bundles, to: directory)
                        try locked.adoptFetched(bundles, from: directory, remote: remote)
                    }
                }
                var state = RemoteState(for: remote, storeConfirmed: true)
                state.auditConfirmed = catalog.auditLines.count
                try locked.save(state, of: remote)
                facts.nodes = Array(Set(adopted.map(\.node))).sorted()
            }
            // Onto the path, or the empty directory there.
            try FileOps.rename(building, to: path)
            try FileOps.syncDirectory(parent.isEmpty ? "." : parent)
        } catch {
            try? FileOps.removeTree(building)
            throw error
        }
        return RebuiltStore(
            store: path, storeId: info.storeId, remote: remote.name, snapshots: adopted.count,
            auditEntries: catalog.auditLines.count, bundlesFetched: all ? bundles.count : 0,
            bundlesOnDemand: all ? 0 : bundles.count, skipped: skipped)
    }
}
