import Foundation

/// One capture of one manager node at one time: `snapshots/<id>.json`.
package struct SnapshotRecord: Codable, Sendable, Equatable, SnakeCaseKeys {
    /// How the content was captured.
    package enum CaptureMode: String, Codable, Sendable {
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
    package struct RingHashes: Codable, Sendable, Equatable {
        package var current: String?
        package var previous: String?

        package init(current: String?, previous: String?) {
            self.current = current
            self.previous = previous
        }
    }

    /// Result of the last `snap verify` of this snapshot.
    package struct Verification: Codable, Sendable, Equatable {
        /// When it ran.
        package var checked: Date
        /// Whether everything matched.
        package var ok: Bool
        /// What was wrong, when not ok.
        package var problem: String?
        /// False when only the encrypted file was checked (its SHA-256 and age header),
        /// because no identity was configured to read the content; nil when it was read.
        package var contentChecked: Bool?

        package init(checked: Date, ok: Bool, problem: String? = nil, contentChecked: Bool? = nil) {
            self.checked = checked
            self.ok = ok
            self.problem = problem
            self.contentChecked = contentChecked
        }

        enum CodingKeys: String, CodingKey {
            case checked, ok, problem, contentChecked = "content_checked"
        }
    }

    /// A copy of the snapshot on an off-site remote (`snap copy`), checked when it was made.
    package struct OffsiteCopy: Codable, Sendable, Equatable {
        /// The remote's name in snap.yaml.
        package var remote: String
        /// When the bundle and the record were uploaded and read back.
        package var copied: Date
        /// The last `verify --remote` that read the bundle there again, when one did.
        package var verified: Date?
        /// When `prune` removed it from the remote (the policy's `offsite.keep`): a copy
        /// that is no more, kept so that `copy --all` does not send it back.
        package var pruned: Date?

        package init(remote: String, copied: Date, verified: Date? = nil, pruned: Date? = nil) {
            self.remote = remote
            self.copied = copied
            self.verified = verified
            self.pruned = pruned
        }
    }

    /// The snapshot a delta bundle is encoded against: its bundle's payload is zstd frames
    /// that `zstd -d --patch-from=BASE.tar` decodes, BASE.tar being that snapshot's tar.
    package struct DeltaBase: Codable, Sendable, Equatable {
        /// The base snapshot's id.
        package var snapshot: String
        /// The base snapshot's version, for people.
        package var version: Int
        /// SHA-256 of the base's uncompressed tar, checked whenever the base is decoded.
        package var tarSha256: String

        package init(snapshot: String, version: Int, tarSha256: String) {
            self.snapshot = snapshot
            self.version = version
            self.tarSha256 = tarSha256
        }

        enum CodingKeys: String, CodingKey {
            case snapshot, version, tarSha256 = "tar_sha256"
        }
    }

    /// Random hex id; unique prefixes of 6 or more characters name it too.
    package var id: String
    /// Store-wide increasing number, given out under the lock.
    package var version: Int
    /// When the capture was made (UTC).
    package var created: Date
    /// The manager the content came from (`manager_0`).
    package var node: String
    /// `master`, `slave`, or unknown.
    package var role: String?
    /// The LeoFS cluster id.
    package var cluster: String?
    /// The node's partner in the manager pair.
    package var partner: String?
    /// How it was captured.
    package var mode: CaptureMode
    /// Operator labels.
    package var tags: [String]
    /// Free text from `--note`.
    package var note: String?
    /// Host snap ran on.
    package var host: String
    /// User snap ran as.
    package var user: String
    /// snap's version.
    package var toolVersion: String
    /// SHA-256 of the bundle file, which is also its name.
    package var bundleSha256: String
    /// Size of the bundle file.
    package var bundleSize: Int64
    /// Content identity, see ``TreeDigest``.
    package var treeDigest: String
    /// True when this capture reused an existing bundle with the same content.
    package var deduplicated: Bool
    /// Number of regular files captured.
    package var fileCount: Int
    /// Bytes of regular files captured (what an extract writes).
    package var unpackedSize: Int64
    /// True when the bundle holds a dump.
    package var hasDump: Bool
    /// Last verification, if any.
    package var verification: Verification?
    /// Tables, row counts and digests, when a dump was captured.
    package var tables: [TableSummary]?
    /// Ring hashes, when the console answered.
    package var ringHashes: RingHashes?
    /// True when `snap pin` protects it from every retention rule.
    package var pinned: Bool?
    /// The Erlang node name the content belongs to (`manager_0@127.0.0.1`), when known:
    /// with ``partner`` it names the pair whose schema the files carry.
    package var nodename: String?
    /// How the captured directory looked on disk (paths, sizes, inodes, times; no
    /// content), for `--from-dir` captures: the next capture of an unchanged directory
    /// reuses this snapshot's bundle without reading a byte.
    package var sourceSignature: String?
    /// For `cold` captures of a running node: seconds from `stop` until the node was ready
    /// again (the copy happens in between; compression after).
    package var downtimeSeconds: Double?
    /// The machine whose snap made the snapshot; ``host`` names the manager's (the same
    /// machine unless snap drove the manager over SSH). Absent in records of earlier versions.
    package var coordinator: String?
    /// The off-site copies of this snapshot, one per remote; nil when there are none.
    package var copies: [OffsiteCopy]?
    /// How the bundle is encrypted (an age file, `<sha256>.tar.zst.age`); nil for a plain one.
    package var encryption: BundleEncryption?
    /// The last `verify --load` rehearsal, if any.
    package var load: LoadVerdict?
    /// The base this snapshot's bundle is a delta of; nil for a whole bundle.
    package var deltaBase: DeltaBase?
    /// SHA-256 of the bundle's uncompressed tar, when snap has read it (a delta create
    /// does; a delta's base names it too).
    package var tarSha256: String?
    /// Size of the bundle's uncompressed tar, when snap has read it.
    package var tarSize: Int64?
    /// The record file's own checksum (``RecordSeal``), set when it is written.
    package var seal: String?
    /// True when the record was read without its ``tables`` (``Store/loadRecords(_:)``
    /// with ``RecordDetail/withoutTables``): such a record is never saved back.
    package internal(set) var tablesOmitted = false

    /// The tag of the snapshots a restore makes of the managers' files it replaces.
    static let preRestoreTag = "pre-restore"

    /// True for a snapshot a restore made of the files it replaced (tagged `pre-restore`):
    /// not a regular capture, so never `latest`, never the node's newest for `check`,
    /// metrics or retention, which holds them by a rule of their own.
    var isPreRestore: Bool { tags.contains(Self.preRestoreTag) }

    /// The copy on `remote`, if there is one (not one pruned there since).
    package func copy(on remote: String) -> OffsiteCopy? {
        copies?.first { $0.remote == remote && $0.pruned == nil }
    }

    /// Whether `prune` removed this snapshot's copy from `remote` (`offsite.keep`).
    package func wasPruned(from remote: String) -> Bool {
        copies?.contains { $0.remote == remote && $0.pruned != nil } ?? false
    }

    /// Records the copy on `remote`, replacing an earlier one there.
    package mutating func setCopy(_ copy: OffsiteCopy) {
        var list = (copies ?? []).filter { $0.remote != copy.remote }
        list.append(copy)
        copies = list.sorted { $0.remote < $1.remote }
    }

    /// The file's keys spelled out, so that records decode without key conversion:
    /// `list`, `prune` and `create` read every record of the store.
    enum CodingKeys: String, CodingKey {
        case id, version, created, node, role, cluster, partner, mode, tags, note, host, user
        case toolVersion = "tool_version", bundleSha256 = "bundle_sha256", bundleSize = "bundle_size"
        case treeDigest = "tree_digest", deduplicated, fileCount = "file_count", unpackedSize = "unpacked_size"
        case hasDump = "has_dump", verification, tables, ringHashes = "ring_hashes", pinned, nodename
        case sourceSignature = "source_signature", downtimeSeconds = "downtime_seconds", coordinator, copies
        case encryption, load, seal
        case deltaBase = "delta_base", tarSha256 = "tar_sha256", tarSize = "tar_size"
    }

    package init(
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
