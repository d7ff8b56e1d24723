import Foundation

/// Unpacking parts of a snapshot's bundle.
enum SnapshotContent {
    /// The bundle's `mnesia/...` entries into `target` (without the `mnesia/` prefix).
    static func unpackMnesia(of record: SnapshotRecord, from store: Store, to target: String) throws {
        try extract(record, store, target) { path in
            path.hasPrefix(BundleBuilder.mnesiaPrefix + "/")
                ? String(path.dropFirst(BundleBuilder.mnesiaPrefix.count + 1)) : nil
        }
    }

    /// The bundle's dump to the file `path`.
    static func unpackDump(of record: SnapshotRecord, from store: Store, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        try extract(record, store, directory) { $0 == BundleBuilder.dumpPath ? name : nil }
    }

    private static func extract(_ record: SnapshotRecord, _ store: Store, _ target: String, select: (String) -> String?)
        throws
    {
        let (manifest, bytes) = try store.manifest(for: record)
        let digest = try BundleExtractor.extract(
            bundlePath: store.bundlePath(record.bundleSha256),
            expected: ExpectedContent(manifest: manifest, manifestBytes: bytes),
            into: target, select: select)
        guard digest.sha256 == record.bundleSha256 else {
            throw BundleError.contentMismatch(
                path: store.bundlePath(record.bundleSha256), detail: "bundle hash differs from the record")
        }
    }
}
