import Foundation

/// What `snap copy` is asked to do.
package struct CopyOptions: Sendable {
    /// The remote's name in snap.yaml.
    package var remote: String
    /// Snapshots to copy; empty: every snapshot of the store.
    package var refs: [String] = []
    /// Receives rclone's transfer statistics while bundles are uploaded, for a progress line.
    package var progress: (@Sendable (String) -> Void)?

    package init(remote: String, refs: [String] = [], progress: (@Sendable (String) -> Void)? = nil) {
        self.remote = remote
        self.refs = refs
        self.progress = progress
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
            let chosen =
                options.refs.isEmpty
                ? set.records : try options.refs.map { try SnapshotRef(parsing: $0).resolve(in: set) }
            facts.nodes = Array(Set(chosen.map(\.node))).sorted()
            // A store rebuilt from another remote may not hold every bundle yet.
            try BundleFetch.ensure(chosen.filter { $0.copy(on: remote.name) == nil }, in: locked, session: session)
            let report = try OffsiteCopier(locked: locked, remote: remote, progress: options.progress)
                .copy(chosen.sorted { $0.version < $1.version }, among: set.records)
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
