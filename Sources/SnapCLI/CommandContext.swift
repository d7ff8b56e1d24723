import Foundation
import Glibc
import Logging
import SnapKit

/// What every command needs: the config, the store path, a logger, and the audited,
/// locked way of changing the store.
struct CommandContext {
    let global: GlobalOptions
    let config: SnapConfig?
    let logger: Logger
    let argv: [String]

    init(_ global: GlobalOptions) throws {
        self.global = global
        self.argv = CommandLine.arguments
        if let path = global.config {
            config = try SnapConfig.load(path: path)
        } else if let found = SnapConfig.defaultPath(environment: ProcessInfo.processInfo.environment) {
            config = try SnapConfig.load(path: found.path)
        } else {
            config = nil
        }
        var logger = Logger(label: "snap")
        logger.logLevel = global.verbose ? .info : (global.quiet ? .error : .warning)
        self.logger = logger
    }

    /// The store directory from `--store` or the config.
    var storePath: String {
        get throws {
            if let store = global.store { return store }
            if let store = config?.store { return store }
            throw StoreError.noStoreConfigured
        }
    }

    /// The policy named by `name`, else the config's `policy:`, else `default`.
    func policy(_ name: String?) throws -> Policy {
        try Policy.load(name ?? config?.policy ?? "default", searchDirectories: policyDirectories)
    }

    /// Where policies are looked up by name: `$SNAP_POLICY_DIR`, `policies/` beside the
    /// config file, `/etc/snap/policies`, and the `policies/` shipped with this build.
    var policyDirectories: [String] {
        var directories: [String] = []
        if let directory = ProcessInfo.processInfo.environment["SNAP_POLICY_DIR"] { directories.append(directory) }
        if let config { directories.append((config.path as NSString).deletingLastPathComponent + "/policies") }
        directories.append("/etc/snap/policies")
        var url = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("policies").path
            if FileOps.exists(candidate + "/default.yaml") {
                directories.append(candidate)
                break
            }
            url.deleteLastPathComponent()
        }
        return directories
    }

    /// Writes the node_exporter textfile for `action`; a failure is reported, not fatal.
    func writeMetrics(to path: String, store: Store, action: String, started: Date) {
        do {
            let records = try store.loadRecords().records
            try MetricsFile.write(
                MetricsFile.render(
                    records: records, storeBytes: store.bundleBytes(), action: action,
                    duration: Date().timeIntervalSince(started)), to: path)
        } catch {
            Output.error("snap: error: metrics \(path): \(error)")
        }
    }

    /// Opens the store for reading.
    func openStore() throws -> Store {
        try Store.open(at: storePath)
    }

    /// Every record of `store`. Damaged record files are named on stderr, and every other
    /// snapshot stays usable.
    func loadRecords(_ store: Store) throws -> RecordSet {
        let set = try store.loadRecords()
        for damage in set.damaged { note("snap: warning: \(damage.description)") }
        return set
    }

    /// A note on stderr unless `--quiet`.
    func note(_ text: String) {
        if !global.quiet { Output.error(text) }
    }

    /// Runs `body` holding the store lock and appends its audit entry: ok, failed, partial,
    /// or interrupted (a signal stopped `body` at a safe point).
    ///
    /// Before `body`, temporary files of crashed writers are removed.
    func audited<T>(
        _ action: String, in store: Store,
        _ body: (StoreLock, inout AuditFacts) throws -> T
    ) throws -> T {
        try audited(action, in: store, body, recorded: { _ in }).0
    }

    /// ``audited(_:in:_:)`` that also hands back what `recorded` makes of the audit entry.
    func audited<T, R>(
        _ action: String, in store: Store,
        _ body: (StoreLock, inout AuditFacts) throws -> T,
        recorded: (AuditEntry) -> R
    ) throws -> (T, R) {
        let started = Date()
        let lock = try StoreLock.acquire(
            path: store.lockPath, wait: global.wait,
            holder: .current(argv: argv, now: started))
        defer { lock.release() }
        if let seconds = DebugHooks(environment: ProcessInfo.processInfo.environment).holdLockSeconds {
            usleep(UInt32(seconds * 1_000_000))  // lets tests observe a held lock
        }
        for path in try store.removeLeftovers() { logger.info("removed leftover \(path)") }
        var facts = AuditFacts()
        let result: T
        do {
            result = try body(lock, &facts)
        } catch {
            if let interrupted = error as? Interrupted {
                facts.snapshots += interrupted.snapshots.filter { !facts.snapshots.contains($0) }
            }
            let outcome =
                error is Interrupted
                ? "interrupted" : (error as? any SnapFailure)?.exitStatus == .partial ? "partial" : "failed"
            do {
                _ = try record(
                    action, facts: facts, outcome: outcome, error: "\(error)", started: started, store: store)
            } catch let auditError {
                note("snap: warning: the audit entry of this failed \(action) could not be written: \(auditError)")
            }
            throw error
        }
        let entry: AuditEntry
        do {
            entry = try record(action, facts: facts, outcome: "ok", error: nil, started: started, store: store)
        } catch {
            throw AuditNotWritten(action: action, cause: error)
        }
        return (result, recorded(entry))
    }

    private func record(
        _ action: String, facts: AuditFacts, outcome: String, error: String?,
        started: Date, store: Store
    ) throws -> AuditEntry {
        let draft = AuditDraft(
            argv: argv, action: action, snapshots: facts.snapshots, nodes: facts.nodes, outcome: outcome,
            error: error, durationMs: Int(Date().timeIntervalSince(started) * 1000))
        let (entry, repaired) = try store.audit.append(draft)
        if repaired > 0 {
            note(
                "snap: warning: removed a torn last line (\(repaired) bytes) from \(store.audit.path), left by a crash")
        }
        return entry
    }
}

/// The command did its work, but its audit entry could not be appended (a full disk).
struct AuditNotWritten: SnapFailure {
    var action: String
    var cause: any Error
    var description: String {
        "\(action) was done, but its audit entry could not be written: \(cause)"
    }
}

/// What a command tells the audit log about itself.
struct AuditFacts {
    var snapshots: [String] = []
    var nodes: [String] = []
}
