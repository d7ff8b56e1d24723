import Foundation

/// What every use case runs with: snap.yaml (if any), the store it names, where policies
/// are found, and this invocation of snap.
package struct Session: Sendable {
    package var config: SnapConfig?
    /// The store directory named for this run, else by the config.
    package var storePath: String?
    package var policies: PolicyCatalog
    package var invocation: Invocation
    /// The SSH connections of this run, closed when it ends.
    let connections = SSHConnections.shared

    package init(config: SnapConfig?, storePath: String?, policies: PolicyCatalog, invocation: Invocation) {
        self.config = config
        self.storePath = storePath ?? config?.store
        self.policies = policies
        self.invocation = invocation
    }

    /// Opens the store for reading.
    /// - Throws: ``StoreError/noStoreConfigured`` or what ``Store/open(at:)`` throws.
    package func openStore() throws -> Store {
        guard let storePath else { throw StoreError.noStoreConfigured }
        var store = try Store.open(at: storePath)
        store.keys = keys
        return store
    }

    /// The age keys of snap.yaml's `encryption:` (none without it).
    package var keys: BundleKeys {
        guard let encryption = config?.encryption else { return .none }
        return BundleKeys(recipients: encryption.recipients, identityPath: encryption.identity)
    }

    /// The configured managers named `names`, in that order, or all of them when `names` is empty.
    /// - Throws: ``LeoFSError/noManagersConfigured`` or ``LeoFSError/unknownManager(_:known:)``.
    package func managers(_ names: [String] = []) throws -> [ManagerEntry] {
        let configured = config?.managers ?? []
        guard !configured.isEmpty else { throw LeoFSError.noManagersConfigured }
        guard !names.isEmpty else { return configured }
        return try names.map { name in
            guard let manager = configured.first(where: { $0.name == name }) else {
                throw LeoFSError.unknownManager(name, known: configured.map(\.name))
            }
            return manager
        }
    }

    /// Every record of `store`. Damaged record files are named as warnings, and every other
    /// snapshot stays usable.
    package func loadRecords(_ store: Store) throws -> RecordSet {
        let set = try store.loadRecords()
        for damage in set.damaged { invocation.warn(damage.description) }
        return set
    }

    /// What snap drives the manager `entry` through: its `bin/leo_manager` (run by `runner`),
    /// its console, its Mnesia files and its conf, on this host, or on its own host through
    /// `snap agent` over SSH when the entry names a `host` (connected now, its conf read there).
    /// - Throws: ``LeoFSError`` for a conf that does not resolve, ``RemoteError`` for a host
    ///   that cannot be reached.
    package func host(_ entry: ManagerEntry, runner: any CommandRunning = CommandRunner()) throws -> any ManagerHost {
        if let ssh = entry.ssh {
            return try RemoteManagerHost.connect(
                entry, via: ssh, connections: connections, hooks: invocation.hooks, logger: invocation.logger)
        }
        return LocalManagerHost(
            try ManagerNode.resolve(entry), runner: runner, coldCopyPieceDelay: invocation.hooks.coldCopyPieceDelay,
            logger: invocation.logger)
    }

    /// Every configured manager's host (``host(_:runner:)``), in snap.yaml's order.
    package func hosts(runner: any CommandRunning = CommandRunner()) throws -> [any ManagerHost] {
        try managers().map { try host($0, runner: runner) }
    }

    /// Writes the node_exporter textfile at `path` after `action`, from `records` when the
    /// caller has them as they are now, else read again; a failure is said even when quiet.
    func writeMetrics(
        to path: String?, store: Store, action: String, started: Date, records: [SnapshotRecord]? = nil
    ) {
        guard let path else { return }
        do {
            try MetricsFile.write(
                MetricsFile.render(
                    records: try records ?? store.loadRecords().records, storeBytes: store.bundleBytes(),
                    action: action,
                    duration: Date().timeIntervalSince(started)), to: path)
        } catch {
            invocation.alert(Notice(.error, "metrics \(path): \(error)"))
        }
    }
}
