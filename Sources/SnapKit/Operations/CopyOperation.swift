import Foundation

/// What `snap copy` is asked to do.
package struct CopyOptions: Sendable {
    /// The remote's name in snap.yaml.
    package var remote: String
    /// Snapshots to copy; empty: every snapshot of the store but those the policy's
    /// `offsite.keep` pruned from the remote (named ones are copied whatever happened).
    package var refs: [String] = []
    /// Receives rclone's transfer statistics while bundles are uploaded, for a progress line.
    package var progress: (@Sendable (String) -> Void)?
    /// Copy to a remote that holds nothing although records say snapshots were copied there
    /// (emptied on purpose); otherwise that is refused as a wrong path or an unmounted disk.
    package var reseed = false

    package init(
        remote: String, refs: [String] = [], progress: (@Sendable (String) -> Void)? = nil, reseed: Bool = false
    ) {
        self.remote = remote
        self.refs = refs
        self.progress = progress
        self.reseed = reseed
    }
}

/// The copy use case: sends snapshots to an off-site remote through rclone (``OffsiteCopier``)
/// under the store lock, audited as `copy`.
package enum CopyOperation {
    /// - Throws: ``OffsiteError`` (the remote, rclone), ``RemoteHistoryError`` (exit 4: the
    ///   remote holds another or a damaged history), ``ConfigError`` for an unknown remote,
    ///   ``RefError``, ``Interrupted``.
    package static func run(_ options: CopyOptions, in session: Session) throws -> CopyReport {
        let remote = try session.remote(options.remote)
        let store = try session.openStore()
        return try store.withLock("copy", by: session.invocation) { locked, facts in
            let set = try session.loadRecords(store)
            var chosen = set.records.filter { !$0.wasPruned(from: remote.name) }
            if !options.refs.isEmpty {
                let named = try options.refs.map { try SnapshotRef(parsing: $0).resolve(in: set) }
                chosen = named.enumerated().filter { index, record in
                    !named[..<index].contains { $0.id == record.id }
                }.map(\.element)
            }
            // A delta is of no use there without its bases: they go along.
            let links = DeltaLinks(set.records)
            var ids = Set(chosen.map(\.id))
            for record in chosen where record.deltaBase != nil {
                for base in (try? Store.deltaChain(of: record, in: links)) ?? [] where ids.insert(base.id).inserted {
                    chosen.append(base)
                }
            }
            facts.nodes = Array(Set(chosen.map(\.node))).sorted()
            var copier = OffsiteCopier(locked: locked, remote: remote, progress: options.progress)
            copier.reseed = options.reseed
            // A store rebuilt from another remote fetches the bundles this copy sends.
            copier.fetch = { shas in
                let wanted = Set(shas)
                try BundleFetch.ensure(
                    set.records.filter { wanted.contains($0.bundleSha256) }, in: locked, session: session)
            }
            let report = try copier.copy(chosen.sorted { $0.version < $1.version }, among: set.records)
            facts.snapshots = report.copied
            if !report.damaged.isEmpty { throw RemoteDamageFound(report: report, remote: remote.shown) }
            return report
        }
    }
}

extension Session {
    /// The remote `name` of snap.yaml.
    /// - Throws: ``ConfigError/unknownRemote(_:known:path:)``, also when there is no config.
    package func remote(_ name: String) throws -> RemoteEntry {
        guard let config else { throw ConfigError.unknownRemote(name, known: [], path: "snap.yaml") }
        return try config.remote(name)
    }
}
