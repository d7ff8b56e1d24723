/// Everything needed to turn captured content into a snapshot.
package struct CaptureRequest: Sendable {
    /// The node the snapshot belongs to.
    package var node: String
    /// What is bundled, and where it is bundled (on the manager's host for a remote one).
    package var sources: any CaptureBundler
    package var mode: SnapshotRecord.CaptureMode
    package var tags: [String]
    package var note: String?
    package var role: String?
    package var cluster: String?
    package var partner: String?
    package var compression: CompressionSettings
    /// How captures chain as delta bundles (the policy's `delta:`); nil: a whole bundle.
    package var delta: DeltaSettings?
    /// Table summary parsed from the dump, when there is one.
    package var tables: [TableSummary]?
    /// The manager's host, as the record names it (default: this machine).
    package var host: String?
    /// Whether capture parses the sources' dump for ``tables`` (a dump handed to
    /// `create --from-dir`): a damaged dump is then refused before anything is written,
    /// and sources unchanged since the node's last capture take its summary instead.
    package var summarizesDump = false
    /// Ring hashes from the console, when it answered.
    package var ringHashes: SnapshotRecord.RingHashes?
    /// Erlang node name of the captured manager.
    package var nodename: String?
    /// How long a cold capture kept the node down, in seconds.
    package var downtimeSeconds: Double?
    /// Whether the captured directory must hold a Mnesia schema and table files
    /// (``MnesiaDirectoryCheck``); false archives whatever it holds (`create
    /// --allow-incomplete`, and a restore recording the files it replaces, whatever they were).
    package var requiresMnesiaSchema = true

    /// A request for files on snap's own host.
    package init(
        node: String, sources: BundleSources, mode: SnapshotRecord.CaptureMode, tags: [String] = [],
        note: String? = nil, role: String? = nil, cluster: String? = nil, partner: String? = nil,
        compression: CompressionSettings
    ) {
        self.init(
            node: node, bundler: LocalBundler(sources), mode: mode, tags: tags, note: note, role: role,
            cluster: cluster, partner: partner, compression: compression)
    }

    package init(
        node: String, bundler sources: any CaptureBundler, mode: SnapshotRecord.CaptureMode, tags: [String] = [],
        note: String? = nil, role: String? = nil, cluster: String? = nil, partner: String? = nil,
        compression: CompressionSettings
    ) {
        self.node = node
        self.sources = sources
        self.mode = mode
        self.tags = tags
        self.note = note
        self.role = role
        self.cluster = cluster
        self.partner = partner
        self.compression = compression
    }
}
