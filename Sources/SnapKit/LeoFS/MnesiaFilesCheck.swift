import Foundation
import Glibc

/// Compares a Mnesia directory on disk with the `mnesia/` part of a snapshot's manifest:
/// before a step empties or replaces a directory, what takes its place must be complete.
enum MnesiaFilesCheck {
    /// The files of a running node's Mnesia directory that Mnesia only appends to between
    /// two dumps of its log: `LATEST.LOG`, where every committed transaction goes first
    /// (its tables' `.DCD`/`.DCL` files change only when the log is dumped, which replaces
    /// the log file). A hot copy may take such a file as it stood when the copy began.
    static let appendOnlyLogs: Set<String> = ["LATEST.LOG"]

    /// The first way `directory` differs from the manifest's `mnesia/` files (a file
    /// missing, extra, of another size or, with `hashes`, another SHA-256), or nil when it
    /// holds exactly those files.
    static func problem(of directory: String, against manifest: BundleManifest, hashes: Bool) throws -> String? {
        let prefix = BundleBuilder.mnesiaPrefix + "/"
        var expected: [String: ManifestEntry] = [:]
        for entry in manifest.files where entry.path.hasPrefix(prefix) {
            expected[String(entry.path.dropFirst(prefix.count))] = entry
        }
        var found: [String] = []
        try collectFiles(directory, relative: "", into: &found)
        for name in found where expected[name] == nil { return "\(directory)/\(name) is not in the snapshot" }
        for (name, entry) in expected.sorted(by: { $0.key < $1.key }) {
            let path = directory + "/" + name
            guard let info = try FileOps.status(path), (info.st_mode & S_IFMT) == S_IFREG else {
                return "\(path) is missing"
            }
            guard Int64(info.st_size) == entry.size else {
                return "\(path) has \(info.st_size) bytes, the snapshot \(entry.size)"
            }
            if hashes, let sha256 = entry.sha256, try FileOps.sha256(ofFile: path).sha256 != sha256 {
                return "\(path) differs from the snapshot (SHA-256)"
            }
        }
        return nil
    }

    /// True when the manifest holds a Mnesia schema: files restored in copy mode must.
    static func hasSchema(_ manifest: BundleManifest) -> Bool {
        manifest.files.contains { $0.path == BundleBuilder.mnesiaPrefix + "/schema.DAT" }
    }

    private static func collectFiles(_ directory: String, relative: String, into found: inout [String]) throws {
        for name in try FileOps.listDirectory(directory) {
            let path = directory + "/" + name
            let key = relative.isEmpty ? name : relative + "/" + name
            guard let info = try FileOps.status(path) else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try collectFiles(path, relative: key, into: &found)
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                found.append(key)
            }
        }
    }
}
