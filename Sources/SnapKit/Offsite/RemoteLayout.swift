/// Where a store's copy lives on a remote, object by object (paths under the remote's path):
///
/// ```
/// store.json                        the store's id (uploaded first)
/// bundles/<sha256>.tar.zst          bundles, as in the store, never rewritten
/// bundles/<sha256>.manifest.json    their manifests
/// snapshots/<id>.json               records, as they were when copied (sealed), uploaded
///                                   only after their bundle was read back
/// audit/<from>-<to>-<hash>.jsonl    the audit log in immutable segments: entries from..to,
///                                   the first 16 hex digits of entry to's hash
/// incoming/...                      segments and records being sent, moved into place
///                                   once read back (never read by anything else)
/// ```
///
/// A snapshot is on the remote when its record is there, sealed, and its bundle is there
/// with the record's size: what an interrupted copy leaves never looks like that.
enum RemoteLayout {
    static let info = "store.json"
    static let auditPrefix = "audit/"
    static let incoming = "incoming/"

    /// The object of the bundle whose file hashes to `sha256` (named as in the store).
    static func bundle(_ sha256: String, encrypted: Bool) -> String {
        "bundles/" + BundleName.file(sha256, encrypted: encrypted)
    }
    /// The object of `record`'s bundle.
    static func bundle(of record: SnapshotRecord) -> String {
        bundle(record.bundleSha256, encrypted: record.encryption != nil)
    }
    /// The objects the bundle `sha256` may be, plain or encrypted (a hash names one file).
    static func bundleCandidates(_ sha256: String) -> [String] {
        [bundle(sha256, encrypted: false), bundle(sha256, encrypted: true)]
    }
    static func manifest(_ sha256: String) -> String { "bundles/\(sha256).manifest.json" }
    static func record(_ id: String) -> String { "snapshots/\(id).json" }

    /// The SHA-256 a bundle object is named by; nil for any other object.
    static func bundleSha256(_ object: String) -> String? {
        guard object.hasPrefix("bundles/") else { return nil }
        return BundleName.sha256(of: String(object.dropFirst("bundles/".count)))
    }

    /// The name of the segment holding entries `from` through `to`, the last with hash `hash`.
    static func auditSegment(from: Int, to: Int, hash: String) -> String {
        auditPrefix + String(format: "%010d-%010d-%@.jsonl", from, to, String(hash.prefix(16)))
    }
}

/// One segment of the audit log on a remote, as its name describes it.
struct AuditSegment: Sendable, Equatable {
    var path: String
    var from: Int
    var to: Int
    /// The first 16 hex digits of entry `to`'s hash.
    var headHash: String
    var size: Int64

    /// Reads `audit/0000000001-0000000057-0123456789abcdef.jsonl`; nil for any other name.
    init?(path: String, size: Int64) {
        guard path.hasPrefix(RemoteLayout.auditPrefix), path.hasSuffix(".jsonl") else { return nil }
        let parts = path.dropFirst(RemoteLayout.auditPrefix.count).dropLast(".jsonl".count).split(separator: "-")
        guard parts.count == 3, let from = Int(parts[0]), let to = Int(parts[1]), from >= 1, to >= from,
            parts[2].count == 16
        else { return nil }
        self.path = path
        self.from = from
        self.to = to
        self.headHash = String(parts[2])
        self.size = size
    }
}

/// What a listing of the remote shows, sorted by kind.
struct RemoteListing: Sendable {
    /// Every object and its size, by path.
    var objects: [String: Int64] = [:]

    var hasInfo: Bool { objects[RemoteLayout.info] != nil }

    /// Size of the bundle `sha256` there, if any.
    func bundleSize(_ sha256: String) -> Int64? { bundleObject(sha256).flatMap { objects[$0] } }

    /// The object of the bundle `sha256` there, plain or encrypted, if any.
    func bundleObject(_ sha256: String) -> String? {
        RemoteLayout.bundleCandidates(sha256).first { objects[$0] != nil }
    }

    /// The ids of the records there.
    var recordIds: [String] {
        objects.keys.filter { $0.hasPrefix("snapshots/") && $0.hasSuffix(".json") }
            .map { String($0.dropFirst("snapshots/".count).dropLast(".json".count)) }.sorted()
    }

    /// The bundles there, by SHA-256, with their sizes.
    var bundles: [String: Int64] {
        var result: [String: Int64] = [:]
        for (path, size) in objects {
            if let sha256 = RemoteLayout.bundleSha256(path) { result[sha256] = size }
        }
        return result
    }

    /// The audit segments there, in order of their first entry.
    var auditSegments: [AuditSegment] {
        objects.compactMap { AuditSegment(path: $0.key, size: $0.value) }.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
    }

    /// The last audit entry the remote's segments hold (seq 0 when there are none), or nil
    /// when they do not run without a gap or an overlap from entry 1.
    var auditHead: (seq: Int, hash: String)? {
        var head = (seq: 0, hash: "")
        for segment in auditSegments {
            guard segment.from == head.seq + 1 else { return nil }
            head = (segment.to, segment.headHash)
        }
        return head
    }
}
