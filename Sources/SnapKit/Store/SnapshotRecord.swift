import Foundation

/// One capture of one manager node at one time: `snapshots/<id>.json`.
public struct SnapshotRecord: Codable, Sendable, Equatable, SnakeCaseKeys {
    /// How the content was captured.
    public enum CaptureMode: String, Codable, Sendable {
        /// A Mnesia directory (and dump) captured elsewhere, handed to `create --from-dir`.
        case fromDir = "from-dir"
        /// Hot copy of a running node's Mnesia directory.
        case files
        /// `dump-mnesia-data` only.
        case dump
        /// Hot copy plus dump.
        case filesAndDump = "files+dump"
        /// Copy with the node stopped.
        case cold
    }

    /// The ring fingerprints the console's `status` showed at capture time.
    public struct RingHashes: Codable, Sendable, Equatable {
        public var current: String?
        public var previous: String?

        public init(current: String?, previous: String?) {
            self.current = current
            self.previous = previous
        }
    }

    /// Result of the last `snap verify` of this snapshot.
    public struct Verification: Codable, Sendable, Equatable {
        /// When it ran.
        public var checked: Date
        /// Whether everything matched.
        public var ok: Bool
        /// What was wrong, when not ok.
        public var problem: String?

        public init(checked: Date, ok: Bool, problem: String? = nil) {
            self.checked = checked
            self.ok = ok
            self.problem = problem
        }
    }

    /// Random hex id; unique prefixes of 6 or more characters name it too.
    public var id: String
    /// Store-wide increasing number, given out under the lock.
    public var version: Int
    /// When the capture was made (UTC).
    public var created: Date
    /// The manager the content came from (`manager_0`).
    public var node: String
    /// `master`, `slave`, or unknown.
    public var role: String?
    /// The LeoFS cluster id.
    public var cluster: String?
    /// The node's partner in the manager pair.
    public var partner: String?
    /// How it was captured.
    public var mode: CaptureMode
    /// Operator labels.
    public var tags: [String]
    /// Free text from `--note`.
    public var note: String?
    /// Host snap ran on.
    public var host: String
    /// User snap ran as.
    public var user: String
    /// snap's version.
    public var toolVersion: String
    /// SHA-256 of the bundle file, which is also its name.
    public var bundleSha256: String
    /// Size of the bundle file.
    public var bundleSize: Int64
    /// Content identity, see ``TreeDigest``.
    public var treeDigest: String
    /// True when this capture reused an existing bundle with the same content.
    public var deduplicated: Bool
    /// Number of regular files captured.
    public var fileCount: Int
    /// Bytes of regular files captured (what an extract writes).
    public var unpackedSize: Int64
    /// True when the bundle holds a dump.
    public var hasDump: Bool
    /// Last verification, if any.
    public var verification: Verification?
    /// Tables, row counts and digests, when a dump was captured.
    public var tables: [TableSummary]?
    /// Ring hashes, when the console answered.
    public var ringHashes: RingHashes?
    /// True when `snap pin` protects it from every retention rule.
    public var pinned: Bool?
    /// The Erlang node name the content belongs to (`manager_0@127.0.0.1`), when known:
    /// with ``partner`` it names the pair whose schema the files carry.
    public var nodename: String?
    /// How the captured directory looked on disk (paths, sizes, inodes, times; no
    /// content), for `--from-dir` captures: the next capture of an unchanged directory
    /// reuses this snapshot's bundle without reading a byte.
    public var sourceSignature: String?
    /// For `cold` captures of a running node: seconds from `stop` until the node was ready
    /// again (the copy happens in between; compression after).
    public var downtimeSeconds: Double?
    /// The record file's own checksum (``RecordSeal``), set when it is written.
    public var seal: String?
    /// True when the record was read without its ``tables`` (``Store/loadRecords(_:)``
    /// with ``RecordDetail/withoutTables``): such a record is never saved back.
    public internal(set) var tablesOmitted = false

    /// The tag of the snapshots a restore makes of the managers' files it replaces.
    public static let preRestoreTag = "pre-restore"

    /// True for a snapshot a restore made of the files it replaced (tagged `pre-restore`):
    /// not a regular capture, so never `latest`, never the node's newest for `check`,
    /// metrics or retention, which holds them by a rule of their own.
    public var isPreRestore: Bool { tags.contains(Self.preRestoreTag) }

    /// The file's keys spelled out, so that records decode without key conversion:
    /// `list`, `prune` and `create` read every record of the store.
    enum CodingKeys: String, CodingKey {
        case id, version, created, node, role, cluster, partner, mode, tags, note, host, user
        case toolVersion = "tool_version", bundleSha256 = "bundle_sha256", bundleSize = "bundle_size"
        case treeDigest = "tree_digest", deduplicated, fileCount = "file_count", unpackedSize = "unpacked_size"
        case hasDump = "has_dump", verification, tables, ringHashes = "ring_hashes", pinned, nodename
        case sourceSignature = "source_signature", downtimeSeconds = "downtime_seconds", seal
    }

    public init(
        id: String, version: Int, created: Date, node: String, role: String? = nil, cluster: String? = nil,
        partner: String? = nil, mode: CaptureMode, tags: [String] = [], note: String? = nil, host: String,
        user: String, toolVersion: String, bundleSha256: String, bundleSize: Int64, treeDigest: String,
        deduplicated: Bool, fileCount: Int, unpackedSize: Int64, hasDump: Bool, verification: Verification? = nil
    ) {
        self.id = id
        self.version = version
        self.created = created
        self.node = node
        self.role = role
        self.cluster = cluster
        self.partner = partner
        self.mode = mode
        self.tags = tags
        self.note = note
        self.host = host
        self.user = user
        self.toolVersion = toolVersion
        self.bundleSha256 = bundleSha256
        self.bundleSize = bundleSize
        self.treeDigest = treeDigest
        self.deduplicated = deduplicated
        self.fileCount = fileCount
        self.unpackedSize = unpackedSize
        self.hasDump = hasDump
        self.verification = verification
    }
}
