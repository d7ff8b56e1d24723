import Foundation

/// Failures of the store itself: layout, format, lock, records.
package enum StoreError: SnapFailure {
    /// No store at the path.
    case notAStore(String)
    /// `snap init` on a path that already holds something.
    case alreadyExists(String)
    /// A `store.json` written by a newer (or unknown) snap.
    case unsupportedFormat(path: String, version: Int)
    /// A store file that cannot be decoded.
    case corruptFile(path: String, detail: String)
    /// Another process holds the store lock.
    case locked(path: String, holder: String)
    /// A record names a bundle that is not there.
    case missingBundle(snapshot: String, path: String)
    /// No store was configured.
    case noStoreConfigured
    /// A store others could tamper with (bundles hold S3 secret keys).
    case insecure(path: String, reason: String)
    /// A record read without its table summaries was about to be saved (a bug in snap).
    case readWithoutTables(id: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .locked: return .storeLocked
        case .missingBundle: return .verificationFailed
        default: return .error
        }
    }

    /// The damaged file, when this error is about one.
    package var path: String? {
        guard case let .corruptFile(path, _) = self else { return nil }
        return path
    }

    /// The file name of a damaged record (`<id>.json`), for matching it to a reference.
    var recordFileName: String? {
        guard let path, path.hasSuffix(".json") else { return nil }
        return FileOps.lastComponent(of: path)
    }

    package var description: String {
        switch self {
        case let .notAStore(path):
            return "\(path) is not a snap store (no store.json); create one with \(Remedy.initStore(path))"
        case let .alreadyExists(path):
            return "\(path) already exists and is not empty; choose a new path or an empty directory"
        case let .unsupportedFormat(path, version):
            return
                "\(path) has store format version \(version), which this snap (format 1) does not know; use a newer snap"
        case let .corruptFile(path, detail):
            return "\(path) is damaged: \(detail)"
        case let .locked(path, holder):
            return "store \(path) is locked by \(holder); retry later or pass \(Remedy.waitForLock)"
        case let .missingBundle(snapshot, path):
            return
                "snapshot \(snapshot): bundle \(path) is missing; run \(Remedy.verifyAll) and restore from another snapshot"
        case let .insecure(path, reason):
            return "refusing store \(path): it \(reason)"
        case .noStoreConfigured:
            return "no store configured: pass \(Remedy.storePath) or set `store:` in snap.yaml"
        case let .readWithoutTables(id):
            return "internal error: snapshot \(id) was read without its table summary and is not saved, "
                + "so that the summary is kept; please report this"
        }
    }
}
