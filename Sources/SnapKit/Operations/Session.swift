import Foundation

/// What every use case runs with: snap.yaml (if any), the store it names, where policies
/// are found, and this invocation of snap.
package struct Session: Sendable {
    package var config: SnapConfig?
    /// The store directory named for this run, else by the config.
    package var storePath: String?
    package var policies: PolicyCatalog
    package var invocation: Invocation

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
        return try Store.open(at: storePath)
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

    /// Every configured manager, resolved from its conf files.
    package func pair() throws -> [ManagerNode] {
        try managers().map(ManagerNode.resolve)
    }

    /// What snap drives `node` through: its `bin/leo_manager` (run by `runner`), its
    /// console, its Mnesia files and its conf, on this host.
    package func host(_ node: ManagerNode, runner: any CommandRunning = CommandRunner()) -> any ManagerHost {
        LocalManagerHost(
            node, runner: runner, coldCopyPieceDelay: invocation.hooks.coldCopyPieceDelay, logger: invocation.logger)
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
