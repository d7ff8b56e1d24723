import Crypto
import Foundation

/// What one full read of a bundle file found.
public struct BundleCheck: Sendable {
    /// The bundle file read.
    public var path: String
    /// SHA-256 of the file as read (nil when it could not be read to the end).
    public var sha256: String?
    /// Size of the file as read.
    public var size: Int64?
    /// The manifest inside the bundle, when it decoded.
    public var manifest: BundleManifest?
    /// The exact bytes of the manifest inside the bundle, when it decoded.
    public var manifestBytes: [UInt8]?
    /// Everything wrong with the bundle itself, in words.
    public var problems: [String]
    /// What is wrong with the store's copy of the manifest beside the bundle, if anything.
    /// The copy is derived from the bundle, so `verify` writes it again from a sound one.
    public var manifestCopyProblem: String?

    /// Reads the bundle of `record` in `store`, with the store's copy of its manifest.
    public static func run(_ record: SnapshotRecord, in store: Store) -> BundleCheck {
        let copyPath = store.manifestPath(record.bundleSha256)
        var check = run(path: store.bundlePath(record.bundleSha256), storedManifest: try? FileOps.readFile(copyPath))
        if let problem = check.manifestCopyProblem {
            check.manifestCopyProblem = "\(copyPath): \(problem)"
        }
        return check
    }

    /// Reads `path` once: the file's SHA-256, every entry's SHA-256, the manifest and the
    /// checksum list, and compares them with each other and with `storedManifest`
    /// (the store's copy beside the bundle; nil when it is missing or unreadable).
    public static func run(path: String, storedManifest: [UInt8]?) -> BundleCheck {
        guard FileOps.exists(path) else {
            return BundleCheck(path: path, problems: ["bundle \(path) is missing"])
        }
        var actual: [String: ManifestEntry] = [:]
        var manifestBytes: [UInt8]?
        var sumsBytes: [UInt8]?
        var problems: [String] = []
        var digest: (sha256: String, size: Int64)?
        do {
            let reader = try BundleReader(path: path)
            while let entry = try reader.next() {
                switch entry.kind {
                case .file where entry.path == BundleBuilder.manifestPath:
                    manifestBytes = try reader.readAll(limit: 256 << 20)
                case .file where entry.path == BundleBuilder.checksumsPath:
                    sumsBytes = try reader.readAll(limit: 256 << 20)
                case .file:
                    var hasher = SHA256()
                    var size: Int64 = 0
                    try reader.readData { chunk in
                        hasher.update(bufferPointer: chunk)
                        size += Int64(chunk.count)
                    }
                    actual[entry.path] = ManifestEntry(
                        path: entry.path, type: .file, mode: entry.mode, size: size,
                        sha256: hasher.finalizeHex())
                case .directory:
                    actual[entry.path] = ManifestEntry(path: entry.path, type: .directory, mode: entry.mode, size: 0)
                case .symlink(let target):
                    actual[entry.path] = ManifestEntry(
                        path: entry.path, type: .symlink, mode: entry.mode,
                        size: Int64(target.utf8.count), target: target)
                case .hardlink, .other:
                    problems.append("\(entry.path): unexpected entry kind in a snap bundle")
                }
            }
            digest = try reader.finish()
        } catch {
            problems.append("unreadable archive: \(error)")
            digest = try? FileOps.sha256(ofFile: path)
        }
        var check = BundleCheck(path: path, sha256: digest?.sha256, size: digest?.size, problems: problems)
        if storedManifest == nil {
            check.manifestCopyProblem = "the store's copy of the manifest is missing or unreadable"
        }
        guard let manifestBytes else {
            check.problems.append("\(BundleBuilder.manifestPath) is missing from the bundle")
            return check
        }
        guard let manifest = try? BundleManifest.decode(manifestBytes, source: path) else {
            check.problems.append("\(BundleBuilder.manifestPath) in the bundle is not valid JSON")
            return check
        }
        check.manifest = manifest
        check.manifestBytes = manifestBytes
        if TreeDigest.compute(manifest.entries) != manifest.treeDigest {
            check.problems.append("\(BundleBuilder.manifestPath): its tree digest does not match its entries")
        }
        if let storedManifest, storedManifest != manifestBytes {
            check.manifestCopyProblem = "the store's copy of the manifest differs from the one in the bundle"
        }
        if sumsBytes != manifest.sha256sums() {
            check.problems.append("\(BundleBuilder.checksumsPath) does not match the manifest")
        }
        if digest != nil { check.problems += compare(manifest: manifest, actual: actual) }
        return check
    }

    private static func compare(manifest: BundleManifest, actual: [String: ManifestEntry]) -> [String] {
        var problems: [String] = []
        var unseen = actual
        for expected in manifest.entries {
            guard let found = unseen.removeValue(forKey: expected.path) else {
                problems.append("\(expected.path): missing from the bundle")
                continue
            }
            if found.type != expected.type {
                problems.append(
                    "\(expected.path): is a \(found.type.rawValue), the manifest says \(expected.type.rawValue)")
            } else if found.size != expected.size {
                problems.append("\(expected.path): \(found.size) bytes, the manifest says \(expected.size)")
            } else if found.sha256 != expected.sha256 || found.target != expected.target {
                problems.append("\(expected.path): SHA-256 mismatch")
            } else if found.mode != expected.mode {
                problems.append("\(expected.path): mode \(found.mode), the manifest says \(expected.mode)")
            }
        }
        for path in unseen.keys.sorted() { problems.append("\(path): in the bundle but not in the manifest") }
        return problems
    }
}
