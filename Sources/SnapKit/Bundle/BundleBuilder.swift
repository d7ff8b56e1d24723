import Crypto
import Foundation
import Glibc
import SystemPackage

/// What goes into one bundle.
package struct BundleSources: Sendable {
    /// The Mnesia directory to capture whole (none for a dump-only capture).
    package var mnesiaDirectory: String?
    /// A `dump-mnesia-data` export, when there is one.
    package var dumpFile: String?
    /// When set, the tree is listed again this many seconds after it was read, and any file
    /// added, removed or changed (size, mtime, inode) since before the read fails the build:
    /// a copy of a running node is only trusted when nothing moved under it, including
    /// writes the node had committed but not yet flushed (see ``ManagerNode/settle``).
    package var stableFor: Double?
    /// Files of the Mnesia directory (relative paths) that the running node only appends
    /// to, such as Mnesia's transaction log `LATEST.LOG`: their bytes as of the scan are
    /// captured while the node goes on writing, provided the file kept its inode and still
    /// starts with those bytes (the log as it stood at the scan, which Mnesia loads as such).
    /// A log that was replaced (Mnesia dumped it into the tables' files) is a change, also
    /// when the new file got the old one's inode number.
    package var appendOnly: Set<String>

    package init(
        mnesiaDirectory: String?, dumpFile: String? = nil, stableFor: Double? = nil, appendOnly: Set<String> = []
    ) {
        self.mnesiaDirectory = mnesiaDirectory
        self.dumpFile = dumpFile
        self.stableFor = stableFor
        self.appendOnly = appendOnly
    }
}

/// A bundle written to a temporary file, not yet part of the store.
package struct BuiltBundle: Sendable {
    /// The temporary file holding the bundle.
    package var temporaryPath: String
    /// SHA-256 of the bundle file (the age file when encrypted).
    package var sha256: String
    /// Size of the bundle file in bytes.
    package var size: Int64
    /// How the bundle was encrypted; nil for a plain `.tar.zst`.
    package var encryption: BundleEncryption?
    /// The manifest written into it.
    package var manifest: BundleManifest
    /// The manifest's exact bytes, as stored in the bundle.
    package var manifestBytes: [UInt8]

    package init(
        temporaryPath: String, sha256: String, size: Int64, encryption: BundleEncryption? = nil,
        manifest: BundleManifest, manifestBytes: [UInt8]
    ) {
        self.temporaryPath = temporaryPath
        self.sha256 = sha256
        self.size = size
        self.encryption = encryption
        self.manifest = manifest
        self.manifestBytes = manifestBytes
    }
}

/// Builds bundles: `mnesia/...`, `dump/mnesia.dump`, `MANIFEST.json`, `SHA256SUMS`.
package enum BundleBuilder {
    /// Bundle path of the Mnesia directory.
    static let mnesiaPrefix = "mnesia"
    /// Bundle path of the dump.
    package static let dumpPath = "dump/mnesia.dump"
    /// Bundle path of the manifest.
    package static let manifestPath = "MANIFEST.json"
    /// Bundle path of the checksum list.
    static let checksumsPath = "SHA256SUMS"

    /// What a signal that stops a build leaves.
    static let interruptedState = "the bundle being written was removed; no snapshot was recorded"

    /// Writes a bundle of `sources` into a new temporary file in `directory`.
    ///
    /// Each source file is read once: hashed and compressed in the same pass.
    /// On failure, and when a signal stops it (before each entry and each chunk), the
    /// temporary file is removed. With `recipients`, the bundle is an age file encrypted to
    /// all of them, sealed as it is written (no plaintext reaches the disk).
    /// - Throws: ``BundleError`` or ``SystemError`` naming the file at fault; ``Interrupted``.
    package static func build(
        _ sources: BundleSources, in directory: String, compression: CompressionSettings,
        recipients: [AgeRecipient] = []
    ) throws -> BuiltBundle {
        try build(scan(sources), in: directory, compression: compression, recipients: recipients)
    }

    /// Lists what `sources` holds, reading no content but the append-only logs' (whose bytes
    /// as of now the bundle must start with).
    static func scan(_ sources: BundleSources) throws -> ScannedSources {
        let tree = try sources.mnesiaDirectory.map(SourceTree.scan) ?? SourceTree(items: [])
        var logs: [String: LogPrefix] = [:]
        for item in tree.items
        where !item.isDirectory && !item.isSymlink && sources.appendOnly.contains(item.relativePath) {
            logs[item.relativePath] = try LogPrefix.read(item.absolutePath, status: item.status)
        }
        // The dump may be named through a link; the content is what counts.
        let dumpFile = sources.dumpFile.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        let dumpStatus = try dumpFile.map { path -> stat in
            guard let status = try FileOps.status(path), (status.st_mode & S_IFMT) == S_IFREG else {
                throw SystemError("read dump", path, .noSuchFileOrDirectory)
            }
            return status
        }
        return ScannedSources(sources: sources, tree: tree, dumpFile: dumpFile, dumpStatus: dumpStatus, logs: logs)
    }

    /// Writes a bundle of what `scan` listed.
    static func build(
        _ scanned: ScannedSources, in directory: String, compression: CompressionSettings,
        recipients: [AgeRecipient]
    ) throws -> BuiltBundle {
        let (sources, tree, dumpFile, dumpStatus) = (
            scanned.sources, scanned.tree, scanned.dumpFile, scanned.dumpStatus
        )
        let output = try FileOps.createTemporary(in: directory)
        do {
            let built = try output.descriptor.closeAfter {
                let writer = try BundleWriter(
                    output: output.descriptor, outputPath: output.path, compression: compression,
                    recipients: recipients)
                var entries: [ManifestEntry] = []
                // Append-only logs go last, as they stand after the settling wait: then they
                // hold every transaction committed before the copy began, flushed meanwhile.
                let growing = tree.items.filter { scanned.logs[$0.relativePath] != nil }
                for item in tree.items where !growing.contains(where: { $0.relativePath == item.relativePath }) {
                    try Interruption.check(leaving: interruptedState)
                    let path = item.relativePath.isEmpty ? mnesiaPrefix : mnesiaPrefix + "/" + item.relativePath
                    let mode = item.status.st_mode & 0o7777
                    if item.isDirectory {
                        try writer.addDirectory(path, status: item.status)
                        entries.append(ManifestEntry(path: path, type: .directory, mode: mode, size: 0))
                    } else if item.isSymlink, let target = item.linkTarget {
                        try writer.addSymlink(path, target: target, status: item.status)
                        entries.append(
                            ManifestEntry(
                                path: path, type: .symlink, mode: mode,
                                size: Int64(target.utf8.count), target: target))
                    } else {
                        let sha = try writer.addFile(path, from: item.absolutePath, status: item.status)
                        entries.append(
                            ManifestEntry(
                                path: path, type: .file, mode: mode,
                                size: Int64(item.status.st_size), sha256: sha))
                    }
                }
                if let dumpFile, var status = dumpStatus {
                    var dirStatus = status
                    dirStatus.st_mode = S_IFDIR | 0o700
                    try writer.addDirectory("dump", status: dirStatus)
                    entries.append(ManifestEntry(path: "dump", type: .directory, mode: 0o700, size: 0))
                    status.st_mode = (status.st_mode & ~0o7777) | 0o600
                    let sha = try writer.addFile(dumpPath, from: dumpFile, status: status)
                    entries.append(
                        ManifestEntry(
                            path: dumpPath, type: .file, mode: 0o600,
                            size: Int64(status.st_size), sha256: sha))
                }
                if let delay = sources.stableFor, delay > 0 {
                    usleep(UInt32(delay * 1_000_000))
                    // A signal cuts the settling short: the copy must not be trusted then.
                    try Interruption.check(leaving: interruptedState)
                }
                for item in growing {
                    // The same file as scanned, grown or not: taken as it stands now.
                    guard let now = try FileOps.status(item.absolutePath), now.st_ino == item.status.st_ino,
                        now.st_dev == item.status.st_dev, now.st_size >= item.status.st_size
                    else { throw BundleError.fileChanged(path: item.absolutePath) }
                    var status = item.status
                    status.st_size = now.st_size
                    status.st_mtim = now.st_mtim
                    let path = mnesiaPrefix + "/" + item.relativePath
                    let sha = try writer.addFile(
                        path, from: item.absolutePath, status: status, scannedLog: scanned.logs[item.relativePath])
                    entries.append(
                        ManifestEntry(
                            path: path, type: .file, mode: status.st_mode & 0o7777, size: Int64(status.st_size),
                            sha256: sha))
                }
                if sources.stableFor != nil, let root = sources.mnesiaDirectory {
                    try tree.checkUnchanged(against: SourceTree.scan(root), allowingGrowthOf: sources.appendOnly)
                }
                let manifest = BundleManifest(entries: entries)
                let manifestBytes = try manifest.encoded()
                // The newest captured mtime, not the clock: the same content and settings then
                // give byte-identical bundles, which the store shares.
                let stamp = ([dumpStatus].compactMap { $0 } + tree.items.map(\.status)).map(\.st_mtim.tv_sec).max() ?? 0
                try writer.addBytes(manifestPath, manifestBytes, mode: 0o600, mtime: stamp)
                try writer.addBytes(checksumsPath, manifest.sha256sums(), mode: 0o600, mtime: stamp)
                let digest = try writer.finish()
                try FileOps.sync(output.descriptor, path: output.path)
                return BuiltBundle(
                    temporaryPath: output.path, sha256: digest.sha256, size: digest.size,
                    encryption: digest.encryption, manifest: manifest, manifestBytes: manifestBytes)
            }
            return built
        } catch {
            unlink(output.path)
            throw error
        }
    }
}

/// Sources listed on disk, before any content is read.
struct ScannedSources {
    var sources: BundleSources
    var tree: SourceTree
    /// The dump's real path, links resolved.
    var dumpFile: String?
    var dumpStatus: stat?
    /// The append-only logs' bytes at the scan, by relative path.
    var logs: [String: LogPrefix] = [:]

    /// A digest of how the sources look on disk, reading no content: every path, type,
    /// mode, size, device, inode, mtime and ctime, and the link targets. Equal signatures
    /// mean equal content (the rule git, restic and borg use to skip unchanged files: no
    /// write can leave all of these as they were, since any write moves the ctime).
    var signature: String {
        var hasher = SHA256()
        func add(_ path: String, _ status: stat, _ target: String?) {
            let fields = [
                Int(status.st_mode), Int(status.st_size), Int(status.st_dev), Int(status.st_ino),
                status.st_mtim.tv_sec, status.st_mtim.tv_nsec, status.st_ctim.tv_sec, status.st_ctim.tv_nsec,
            ]
            let line = ([path, target ?? ""] + fields.map(String.init)).joined(separator: "\u{0}") + "\n"
            hasher.update(data: Array(line.utf8))
        }
        for item in tree.items { add("mnesia/" + item.relativePath, item.status, item.linkTarget) }
        if let dumpFile, let dumpStatus { add("dump:" + dumpFile, dumpStatus, nil) }
        return hasher.finalizeHex()
    }
}
