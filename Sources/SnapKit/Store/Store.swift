import Foundation
import Glibc

/// A snapshot store on the local file system (layout version 1).
///
/// ```
/// STORE/store.json          format version, store id, created, last version
/// STORE/snapshots/<id>.json records
/// STORE/bundles/<sha256>.tar.zst (or .tar.zst.age, encrypted)  and  <sha256>.manifest.json
/// STORE/audit.log           JSON lines, hash chained
/// STORE/restores/           restore journals and rescued files
/// STORE/lock                flock()ed; holder inside
/// ```
package struct Store: Sendable {
    /// The store directory.
    package let root: String
    /// The store's random id (`store.json`'s `store_id`), which seeds its audit chain.
    package let storeId: String
    /// The age keys this run writes and reads bundles with (snap.yaml's `encryption:`).
    package var keys: BundleKeys = .none

    package var infoPath: String { root + "/store.json" }
    var snapshotsDirectory: String { root + "/snapshots" }
    var bundlesDirectory: String { root + "/bundles" }
    var restoresDirectory: String { root + "/restores" }
    var lockPath: String { root + "/lock" }
    /// The audit log of this store.
    package var audit: AuditLog { AuditLog(path: root + "/audit.log", storeId: storeId) }

    /// Path of the bundle whose file hashes to `sha256`.
    package func bundlePath(_ sha256: String, encrypted: Bool) -> String {
        bundlesDirectory + "/" + BundleName.file(sha256, encrypted: encrypted)
    }
    /// Path of the bundle `record` names.
    package func bundlePath(of record: SnapshotRecord) -> String {
        bundlePath(record.bundleSha256, encrypted: record.encryption != nil)
    }
    /// Path of the store's copy of a bundle's manifest.
    package func manifestPath(_ sha256: String) -> String { bundlesDirectory + "/\(sha256).manifest.json" }
    /// Path of the marker a writer leaves beside a bundle whose fate it is deciding (a new
    /// bundle not yet recorded, or one a prune is about to free): a bundle no record uses is
    /// only removed when it carries one.
    func pendingPath(_ sha256: String) -> String { bundlesDirectory + "/\(sha256).pending" }
    /// Path of a snapshot record.
    package func recordPath(_ id: String) -> String { snapshotsDirectory + "/\(id).json" }

    /// Creates a new store at `root` (a new path or an empty directory), `0700` throughout.
    /// - Throws: ``StoreError/alreadyExists(_:)`` when something is there already.
    /// - Parameter info: the `store.json` to write (a store rebuilt from its off-site copy
    ///   keeps its id, which its audit chain starts from); nil for a new store.
    package static func initialize(at root: String, now: Date = Date(), info: StoreInfo? = nil) throws -> Store {
        if let status = try FileOps.status(root) {
            guard (status.st_mode & S_IFMT) == S_IFDIR, try FileOps.listDirectory(root).isEmpty else {
                throw StoreError.alreadyExists(root)
            }
            chmod(root, 0o700)
        } else {
            // Parents as `mkdir -p` would; the store itself private.
            let parent = FileOps.parent(of: root)
            if !parent.isEmpty && !FileOps.exists(parent) {
                do {
                    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
                } catch {
                    throw SystemError("create directory", parent, .noSuchFileOrDirectory)
                }
            }
            try FileOps.makeDirectory(root)
        }
        let info = info ?? StoreInfo(storeId: FileOps.randomHex(bytes: 16), created: now)
        let store = Store(root: root, storeId: info.storeId)
        for directory in [store.snapshotsDirectory, store.bundlesDirectory, store.restoresDirectory] {
            try FileOps.makeDirectory(directory)
        }
        // store.json last: its presence is what makes the directory a store.
        try FileOps.writeAtomically(try JSONCoding.encode(info), to: store.infoPath)
        return store
    }

    /// Opens the store at `root`.
    /// - Throws: ``StoreError`` when there is no store, `store.json` is damaged, or its
    ///   format version is unknown.
    package static func open(at root: String) throws -> Store {
        let infoPath = root + "/store.json"
        guard FileOps.exists(infoPath) else {
            // A store that lost its store.json is a damaged store, not a place for `snap init`.
            guard FileOps.exists(root + "/snapshots") || FileOps.exists(root + "/bundles") else {
                throw StoreError.notAStore(root)
            }
            throw StoreError.corruptFile(
                path: infoPath, detail: "it is missing, but \(root) holds snapshots/ and bundles/; \(damagedInfoAdvice)"
            )
        }
        if let reason = FileOps.insecurity(of: root) { throw StoreError.insecure(path: root, reason: reason) }
        let bytes = try FileOps.readFile(infoPath)
        do {
            struct Version: Decodable { var formatVersion: Int? }
            let version = try JSONCoding.decode(Version.self, from: bytes, path: infoPath)
            guard let formatVersion = version.formatVersion else {
                throw StoreError.corruptFile(path: infoPath, detail: "field format_version is missing")
            }
            guard formatVersion == StoreInfo.currentFormatVersion else {
                throw StoreError.unsupportedFormat(path: infoPath, version: formatVersion)
            }
            return Store(
                root: root, storeId: try JSONCoding.decode(StoreInfo.self, from: bytes, path: infoPath).storeId)
        } catch StoreError.corruptFile(let path, let detail) {
            throw StoreError.corruptFile(path: path, detail: "\(detail); \(damagedInfoAdvice)")
        }
    }

    /// What to do about a missing or damaged `store.json`, which snap never guesses at.
    static let damagedInfoAdvice =
        "snap leaves the store alone until store.json is put back from a backup of the store "
        + "(the bundles are untouched and also unpack with `tar --zstd -xf`)"

    /// The content of `store.json` as it is now.
    /// - Throws: ``StoreError/corruptFile(path:detail:)`` when it cannot be read.
    func readInfo() throws -> StoreInfo {
        try JSONCoding.decode(StoreInfo.self, from: try FileOps.readFile(infoPath), path: infoPath)
    }

    private init(root: String, storeId: String) {
        self.root = root
        self.storeId = storeId
    }
}
