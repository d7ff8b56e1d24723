import Foundation
import Glibc

/// Unpacks a snapshot's content into a new or empty directory.
package enum ExtractOperation {
    /// Extracts `record`'s bundle to `target`, checking every file's SHA-256 as it is
    /// written. The content goes to a private directory beside `target` first and is
    /// renamed into place only when everything matched, so a failure leaves nothing.
    /// - Returns: the number of files and bytes written.
    /// - Throws: ``BundleError/targetNotEmpty(_:)``, hostile-entry errors,
    ///   ``BundleError/insufficientSpace(target:needed:available:)`` before anything is written,
    ///   ``DamageFound`` (exit 4, as `verify`) when the bundle or its manifest is damaged,
    ///   ``Interrupted`` when a signal came (nothing is left then either).
    package static func extract(_ record: SnapshotRecord, from store: Store, to target: String) throws -> (
        files: Int, bytes: Int64
    ) {
        let target = target.hasSuffix("/") && target.count > 1 ? String(target.dropLast()) : target
        let targetExists = FileOps.exists(target)
        if targetExists {
            guard let status = try FileOps.status(target), (status.st_mode & S_IFMT) == S_IFDIR,
                try FileOps.listDirectory(target).isEmpty
            else {
                throw BundleError.targetNotEmpty(target)
            }
        }
        let bundle = store.bundlePath(of: record)
        guard FileOps.exists(bundle) else { throw StoreError.missingBundle(snapshot: record.id, path: bundle) }
        let (manifest, manifestBytes) = try DamageFound.said { try store.manifest(for: record) }
        let reference = try record.deltaBase.flatMap { _ in
            try store.deltaReference(for: record, in: store.loadRecords(.withoutTables).records)
        }
        let absolute = target.hasPrefix("/") ? target : FileManager.default.currentDirectoryPath + "/" + target
        let parent = FileOps.parent(of: absolute)
        let staging = parent + "/.snap-extract-" + FileOps.randomHex(bytes: 6)
        try FileOps.makeDirectory(staging)
        do {
            let digest = try BundleKeyError.sayingDamage(of: bundle, recorded: record.bundleSha256) {
                try BundleExtractor.extract(
                    bundlePath: bundle, keys: store.keys, reference: reference,
                    expected: ExpectedContent(manifest: manifest, manifestBytes: manifestBytes), into: staging)
            }
            guard digest.sha256 == record.bundleSha256 else {
                throw BundleError.contentMismatch(path: bundle, detail: "bundle hash differs from the record")
            }
            if targetExists { rmdir(target) }
            try FileOps.rename(staging, to: absolute)
            try FileOps.syncDirectory(parent)
        } catch BundleError.insufficientSpace(_, let needed, let available) {
            try? FileOps.removeTree(staging)
            throw BundleError.insufficientSpace(target: target, needed: needed, available: available)
        } catch let error as BundleKeyError {
            try? FileOps.removeTree(staging)
            throw error.naming(recipients: record.encryption?.recipients ?? [])
        } catch let interrupted as Interrupted {
            try? FileOps.removeTree(staging)
            throw interrupted.leaving(
                "the partly unpacked copy was removed; \(target.escapedForTerminal) was "
                    + (targetExists ? "left empty, as it was" : "not created"))
        } catch {
            try? FileOps.removeTree(staging)
            let named = naming(bundle, in: error)
            if let failure = named as? BundleError, isDamage(failure) { throw DamageFound(failure) }
            throw named
        }
        return (manifest.files.count + 2, manifest.unpackedSize)
    }

    /// Whether `error`, met while unpacking and already said of the bundle by ``naming(_:in:)``,
    /// is about the bundle (damaged, or holding what snap never writes) rather than the
    /// target (no space, a failed write there).
    private static func isDamage(_ error: BundleError) -> Bool {
        switch error {
        case .insufficientSpace, .targetNotEmpty, .fileChanged, .archive: return false
        default: return true
        }
    }

    /// A damaged member or an unreadable archive, said of the bundle file, so the operator
    /// knows which file of the store is bad.
    private static func naming(_ bundle: String, in error: any Error) -> any Error {
        switch error as? BundleError {
        case let .contentMismatch(path, detail) where path != bundle:
            return BundleError.contentMismatch(path: bundle, detail: "\(path.escapedForTerminal): \(detail)")
        case let .archive(operation, path, detail) where path == bundle:
            return BundleError.contentMismatch(path: bundle, detail: "\(operation): \(detail)")
        default:
            return error
        }
    }
}

/// Damage found in the store while reading a snapshot (its bundle or its manifest copy),
/// said as it was found; exits 4 like `verify`, which says which snapshots it breaks.
struct DamageFound: SnapFailure {
    package let cause: any SnapFailure

    package init(_ cause: any SnapFailure) { self.cause = cause }

    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String { cause.description }

    /// Runs `body`, turning a damaged store file it reports into ``DamageFound``.
    static func said<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            guard error.path != nil else { throw error }
            throw DamageFound(error)
        }
    }
}

extension ExtractOperation {
    /// What `snap extract` wrote.
    package struct Extracted: Encodable, Sendable {
        package var id: String
        package var target: String
        package var files: Int
        package var bytes: Int64
    }

    /// The extract use case: resolves `ref` and extracts it to `target`, audited.
    /// - Throws: what ``extract(_:from:to:)`` and ``SnapshotRef`` throw.
    package static func run(_ ref: String, to target: String, in session: Session) throws -> Extracted {
        let store = try session.openStore()
        return try store.withLock("extract", by: session.invocation) { locked, facts in
            let record = try SnapshotRef(parsing: ref).resolve(in: try session.loadRecords(store))
            try BundleFetch.ensure([record], in: locked, session: session)
            facts.snapshots = [record.id]
            facts.nodes = [record.node]
            let written = try extract(record, from: store, to: target)
            return Extracted(id: record.id, target: target, files: written.files, bytes: written.bytes)
        }
    }
}
