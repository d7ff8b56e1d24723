import Foundation
import Glibc
import Logging

/// A store held under its lock: the only value that writes to it.
///
/// Only ``Store/withLock(_:by:_:)`` makes one, and it is valid only inside the body it
/// is handed to: records, `store.json`, pending markers, journals and the audit log are
/// written through it, so a write without the lock does not compile.
package final class LockedStore: @unchecked Sendable {
    /// The store, for reading.
    package let store: Store
    /// Who holds the lock.
    package let invocation: Invocation
    let lock: StoreLock

    fileprivate init(store: Store, lock: StoreLock, invocation: Invocation) {
        self.store = store
        self.lock = lock
        self.invocation = invocation
    }

    package var logger: Logger { invocation.logger }

    /// Takes the lock of `store` and holds it until ``release()``, for a holder that outlives
    /// one call (a test's fixture); everything else uses ``Store/withLock(_:by:_:)``.
    static func acquire(_ store: Store, by invocation: Invocation) throws -> LockedStore {
        let lock = try StoreLock.acquire(
            path: store.lockPath, wait: invocation.lockWait, holder: .current(argv: invocation.argv, now: Date()))
        return LockedStore(store: store, lock: lock, invocation: invocation)
    }

    /// Drops the lock; writes through this value trap from now on.
    func release() { lock.release() }

    /// The content of `store.json` now (no other writer can change it while the lock is held).
    package func info() throws -> StoreInfo {
        try store.readInfo()
    }

    /// Writes a new `store.json` atomically.
    func saveInfo(_ info: StoreInfo) throws {
        requireHeld()
        try FileOps.writeAtomically(try JSONCoding.encode(info), to: store.infoPath)
    }

    /// Writes (or replaces) a record atomically, sealed (``RecordSeal``).
    /// - Throws: ``StoreError/readWithoutTables(id:)`` for a record read without its tables,
    ///   which would lose them.
    package func save(_ record: SnapshotRecord) throws {
        requireHeld()
        guard !record.tablesOmitted else { throw StoreError.readWithoutTables(id: record.id) }
        try FileOps.writeAtomically(try RecordSeal.sealed(record), to: store.recordPath(record.id))
    }

    /// Removes the record of snapshot `id` (its bundle stays until nothing uses it).
    func removeRecord(_ id: String) throws {
        requireHeld()
        let path = store.recordPath(id)
        if unlink(path) != 0 && errno != ENOENT { throw SystemError("remove", path, .last) }
    }

    /// Writes the store's copy of the manifest of bundle `sha256` atomically.
    func saveManifestCopy(_ bytes: [UInt8], of sha256: String) throws {
        requireHeld()
        try FileOps.writeAtomically(bytes, to: store.manifestPath(sha256))
    }

    /// Marks the bundle `sha256` as being decided by this writer (``Store/pendingPath(_:)``), durably.
    func markPending(_ sha256: String) throws {
        requireHeld()
        try FileOps.writeAtomically([], to: store.pendingPath(sha256))
    }

    /// Removes temporary files a crashed writer left behind.
    /// - Returns: the paths removed.
    @discardableResult
    func removeLeftovers() throws -> [String] {
        requireHeld()
        var removed: [String] = []
        for directory in [store.root, store.snapshotsDirectory, store.bundlesDirectory] {
            for name in try FileOps.listDirectory(directory) where name.hasPrefix(FileOps.temporaryPrefix) {
                let path = directory + "/" + name
                if (try? FileOps.removeTree(path)) != nil { removed.append(path) }
            }
        }
        return removed
    }

    /// Removes bundles (and their manifests) that no record uses and that a writer had
    /// marked pending: what a crash between writing a bundle and its record, or between a
    /// prune's records and its bundles, leaves. A bundle no record uses and no writer
    /// marked lost its record some other way (deleted by hand, a damaged disk): it is kept
    /// and returned as an orphan, for the operator to look at. Does nothing while any record
    /// is damaged, since a damaged record's bundle cannot be told apart.
    @discardableResult
    func removeUnreferencedBundles(_ set: RecordSet) throws -> (removed: [String], orphans: [String]) {
        requireHeld()
        guard set.damaged.isEmpty else { return ([], []) }
        let used = Set(set.records.map(\.bundleSha256))
        let names = try FileOps.listDirectory(store.bundlesDirectory).filter { !$0.hasPrefix(".") }
        let pending = Set(names.filter { $0.hasSuffix(".pending") }.map { String($0.dropLast(".pending".count)) })
        var removed: [String] = []
        var orphans: [String] = []
        for name in names {
            guard let sha = name.split(separator: ".").first.map(String.init) else { continue }
            let path = store.bundlesDirectory + "/" + name
            if used.contains(sha) {
                // A marker left by a writer whose record did land.
                if name.hasSuffix(".pending") { unlink(path) }
            } else if pending.contains(sha) {
                if !name.hasSuffix(".pending"), unlink(path) == 0 { removed.append(path) }
            } else if BundleName.sha256(of: name) != nil {
                orphans.append(path)
            }
        }
        for sha in pending.subtracting(used) { unlink(store.pendingPath(sha)) }
        if !removed.isEmpty || !pending.isEmpty { try FileOps.syncDirectory(store.bundlesDirectory) }
        return (removed, orphans)
    }

    /// Appends an audit entry; a torn last line left by a crash is removed first, with a warning.
    func appendAudit(_ draft: AuditDraft) throws -> AuditEntry {
        requireHeld()
        let (entry, repaired) = try store.audit.append(draft, holding: lock)
        if repaired > 0 {
            invocation.warn(
                "removed a torn last line (\(repaired) bytes) from \(store.audit.path), left by a crash")
        }
        return entry
    }

    /// Traps a write through a `LockedStore` kept past the body it was handed to.
    private func requireHeld() {
        precondition(lock.isHeld, "a LockedStore was used after its lock was released")
    }
}

extension Store {
    /// Runs `body` holding the store lock, and appends its audit entry: ok, failed, partial,
    /// or interrupted (a signal stopped `body` at a safe point). Before `body`, temporary
    /// files of crashed writers are removed.
    /// - Throws: ``StoreError/locked(path:holder:)`` when the lock stays busy for
    ///   `invocation.lockWait`, what `body` throws, or ``AuditNotWritten`` when `body`
    ///   succeeded but its entry could not be appended.
    package func withLock<T>(
        _ action: String, by invocation: Invocation, _ body: (LockedStore, inout AuditFacts) throws -> T
    ) throws -> T {
        try withLock(action, by: invocation, body, recorded: { _ in }).0
    }

    /// Runs `body` holding the store lock, without an audit entry: for reads that must see
    /// the store as no writer leaves it halfway (a restore's preview and its checks).
    package func withLock<T>(by invocation: Invocation, _ body: (LockedStore) throws -> T) throws -> T {
        let locked = try LockedStore.acquire(self, by: invocation)
        defer { locked.release() }
        return try body(locked)
    }

    /// ``withLock(_:by:_:)`` that also hands back what `recorded` makes of the audit entry.
    package func withLock<T, R>(
        _ action: String, by invocation: Invocation, _ body: (LockedStore, inout AuditFacts) throws -> T,
        recorded: (AuditEntry) -> R
    ) throws -> (T, R) {
        let started = Date()
        let locked = try LockedStore.acquire(self, by: invocation)
        defer { locked.release() }
        if let seconds = invocation.hooks.holdLockSeconds { usleep(UInt32(seconds * 1_000_000)) }
        for path in try locked.removeLeftovers() { invocation.logger.info("removed leftover \(path)") }
        var facts = AuditFacts()
        func entry(_ outcome: String, _ error: (any Error)?) throws -> AuditEntry {
            try locked.appendAudit(
                AuditDraft(
                    argv: invocation.argv, action: action, snapshots: facts.snapshots, nodes: facts.nodes,
                    outcome: outcome, error: error.map { "\($0)" },
                    durationMs: Int(Date().timeIntervalSince(started) * 1000)))
        }
        let result: T
        do {
            result = try body(locked, &facts)
        } catch {
            if let interrupted = error as? Interrupted {
                facts.snapshots += interrupted.snapshots.filter { !facts.snapshots.contains($0) }
            }
            let outcome =
                error is Interrupted
                ? "interrupted" : (error as? any SnapFailure)?.exitStatus == .partial ? "partial" : "failed"
            do {
                _ = try entry(outcome, error)
            } catch let auditError {
                invocation.warn("the audit entry of this failed \(action) could not be written: \(auditError)")
            }
            throw error
        }
        do {
            return (result, recorded(try entry("ok", nil)))
        } catch {
            throw AuditNotWritten(action: action, cause: error)
        }
    }
}

/// What a use case tells the audit log about itself.
package struct AuditFacts: Sendable {
    package var snapshots: [String] = []
    package var nodes: [String] = []

    package init() {}
}

/// The work was done, but its audit entry could not be appended (a full disk).
struct AuditNotWritten: SnapFailure {
    package var action: String
    package var cause: any Error
    package var description: String {
        "\(action) was done, but its audit entry could not be written: \(cause)"
    }
}
