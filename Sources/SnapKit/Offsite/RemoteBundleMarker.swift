import Foundation
import Glibc

/// `bundles/<sha256>.remote`: the bundle of a store rebuilt from a remote (`snap init --from`)
/// that has not been fetched yet, and the remote that holds it. The first command that needs
/// the bundle fetches it, checks its SHA-256 and removes the marker.
struct RemoteBundleMarker: Codable, Sendable, Equatable {
    var remote: String
}

extension Store {
    func remoteMarkerPath(_ sha256: String) -> String { bundlesDirectory + "/\(sha256).remote" }

    /// The remote that holds the bundle of `record`, when the store has not fetched it yet.
    func remoteHolding(_ record: SnapshotRecord) -> String? {
        let sha256 = record.bundleSha256
        guard !FileOps.exists(bundlePath(of: record)), let bytes = try? FileOps.readFile(remoteMarkerPath(sha256))
        else {
            return nil
        }
        return (try? JSONCoding.decode(RemoteBundleMarker.self, from: bytes, path: remoteMarkerPath(sha256)))?.remote
    }
}

extension LockedStore {
    /// Notes that bundle `sha256` lives on `remote` only, for now.
    func markRemote(_ sha256: String, on remote: String) throws {
        try FileOps.writeAtomically(
            try JSONCoding.encode(RemoteBundleMarker(remote: remote)), to: store.remoteMarkerPath(sha256))
    }

    /// Moves the bundle objects downloaded into `directory` (under their remote paths, which
    /// are the store's) into the store, each after its SHA-256 matched its name, and drops
    /// their markers.
    /// - Throws: ``RemoteBundleDamaged`` (exit 4) for a bundle that reads back wrong or is missing.
    func adoptFetched(_ objects: [String], from directory: String, remote: RemoteEntry) throws {
        for object in objects {
            guard let sha = RemoteLayout.bundleSha256(object) else { continue }
            let file = directory + "/" + object
            guard FileOps.exists(file), try FileOps.sha256(ofFile: file).sha256 == sha else {
                throw RemoteBundleDamaged(
                    remote: remote.shown, name: remote.name, sha256: sha, missing: !FileOps.exists(file))
            }
            try FileOps.rename(file, to: store.root + "/" + object)
            unlink(store.remoteMarkerPath(sha))
        }
        try FileOps.syncDirectory(store.bundlesDirectory)
    }

    /// Writes the audit log of a store being rebuilt, before its first entry of its own.
    func adoptAuditLog(_ lines: [ArraySlice<UInt8>]) throws {
        precondition(!FileOps.exists(store.audit.path), "an audit log is only adopted by a new store")
        var bytes: [UInt8] = []
        for line in lines {
            bytes += line
            bytes.append(0x0a)
        }
        try FileOps.writeAtomically(bytes, to: store.audit.path)
    }
}

/// A bundle fetched from a remote is not the one its name says (exit 4).
package struct RemoteBundleDamaged: SnapFailure, Equatable {
    /// The remote as messages show it, and its name.
    package var remote: String
    package var name: String
    package var sha256: String
    package var missing: Bool
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        "remote \(remote): bundle \(sha256) " + (missing ? "is not there" : "reads back with another SHA-256")
            + "; its copy there is damaged: check the remote (\(Remedy.verifyRemote(name)))"
    }
}
