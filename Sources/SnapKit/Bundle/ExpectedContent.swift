import Crypto

/// What every entry of a bundle must be, taken from a trusted manifest: the store's copy
/// beside the bundle, whose digest the snapshot record vouches for.
package struct ExpectedContent: Sendable {
    /// The promised entries by path, including `MANIFEST.json` and `SHA256SUMS`.
    package var entries: [String: ManifestEntry]

    /// Everything `manifest` lists plus the manifest and checksums themselves.
    package init(manifest: BundleManifest, manifestBytes: [UInt8]) {
        var entries: [String: ManifestEntry] = [:]
        for entry in manifest.entries { entries[entry.path] = entry }
        let sums = manifest.sha256sums()
        entries[BundleBuilder.manifestPath] = ManifestEntry(
            path: BundleBuilder.manifestPath, type: .file, mode: 0o600, size: Int64(manifestBytes.count),
            sha256: SHA256.hex(of: manifestBytes))
        entries[BundleBuilder.checksumsPath] = ManifestEntry(
            path: BundleBuilder.checksumsPath, type: .file, mode: 0o600, size: Int64(sums.count),
            sha256: SHA256.hex(of: sums))
        self.entries = entries
    }

    /// Checks an entry's header against the promise before any of its content is used.
    /// - Throws: ``BundleError/contentMismatch(path:detail:)``.
    func checkHeader(_ entry: BundleEntry) throws -> ManifestEntry {
        guard let expected = entries[entry.path] else {
            throw BundleError.contentMismatch(path: entry.path, detail: "not listed in the manifest")
        }
        switch (expected.type, entry.kind) {
        case (.file, .file):
            guard entry.size == expected.size else {
                throw BundleError.contentMismatch(
                    path: entry.path, detail: "size \(entry.size) in the archive, \(expected.size) in the manifest")
            }
        case (.directory, .directory):
            break
        case (.symlink, .symlink(let target)):
            guard target == expected.target else {
                throw BundleError.contentMismatch(path: entry.path, detail: "link target differs from the manifest")
            }
        default:
            throw BundleError.contentMismatch(path: entry.path, detail: "kind differs from the manifest")
        }
        return expected
    }
}
