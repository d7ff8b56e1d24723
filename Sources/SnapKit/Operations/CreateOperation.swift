import Foundation

/// What `snap create` is asked to do.
package struct CreateOptions: Sendable {
    /// Configured managers to capture (all when empty); with ``fromDirectory``, the one
    /// node the directory belongs to.
    package var nodes: [String] = []
    /// How to capture live managers (default: the policy's, else auto).
    package var mode: SnapshotRecord.CaptureMode.Requested?
    /// A Mnesia directory captured elsewhere, archived as it is (no node is controlled).
    package var fromDirectory: String?
    /// With ``fromDirectory``: a `dump-mnesia-data` export to include.
    package var dumpFile: String?
    package var tags: [String] = []
    package var note: String?
    /// zstd level and worker threads (default: the policy's, else ``CompressionSettings/standard``).
    package var level: Int?
    package var threads: Int?
    /// The policy named for this run (else the config's, else `default` when there is one).
    package var policy: String?
    /// Re-read the new bundles before the run ends (default: the policy's `verify_after_create`).
    package var verify: Bool?
    /// Apply the policy's retention after a successful capture.
    package var prune = false
    /// Archive a directory that lacks a Mnesia schema or table files.
    package var allowIncomplete = false
    /// Where to write a node_exporter textfile after the run.
    package var metricsPath: String?
    /// Receives rclone's statistics while the policy's off-site copy uploads.
    package var copyProgress: (@Sendable (String) -> Void)?

    package init() {}
}

/// The create use case: captures the configured managers (or archives a directory captured
/// elsewhere) into new snapshots, under one lock and one audit entry, then verifies and
/// prunes as the policy says.
package enum CreateOperation {
    /// Runs `options` against the session's store and managers.
    /// - Parameter created: handed the snapshots recorded as soon as they are, before
    ///   the prune that `options.prune` asks for (which may fail on its own).
    /// - Returns: the snapshots recorded.
    /// - Throws: ``CaptureFailed`` (exit 3 when others were captured; it carries them),
    ///   ``VerificationFailed``, ``Interrupted`` naming what was recorded,
    ///   ``RestoreError/blocks(id:command:nodes:)``, ``PolicyError`` or ``LeoFSError``.
    @discardableResult
    package static func run(
        _ options: CreateOptions, in session: Session, created: ([SnapshotRecord]) -> Void = { _ in }
    ) throws -> [SnapshotRecord] {
        let store = try session.openStore()
        let started = Date()
        defer { session.writeMetrics(to: options.metricsPath, store: store, action: "create", started: started) }
        // A policy named for this run or in snap.yaml must load; `default` is optional
        // until the prune needs it.
        let policy = try session.policies.chooseIfAny(named: options.policy, configured: session.config?.policy)
        let standard = policy?.compression ?? CompressionSettings.standard
        let compression = try CompressionSettings(
            level: options.level ?? standard.level, threads: options.threads ?? standard.threads)
        let nodes =
            options.fromDirectory != nil || !options.nodes.isEmpty
            ? options.nodes : session.config?.managers.map(\.name) ?? []
        let hooks = policy.map { PolicyHooks(policy: $0) }
        func hook(_ event: String, _ snapshots: [String], _ outcome: String, _ error: String?) {
            if let warning = hooks?.run(event, nodes: nodes, snapshots: snapshots, outcome: outcome, error: error) {
                session.invocation.alert(Notice(.warning, warning))
            }
        }
        hook("before_create", [], "starting", nil)
        // Never a reason not to capture: said, and the capture goes on.
        do {
            try store.keys.checkIdentityOpensRecipients()
        } catch {
            session.invocation.warn("\(error); the new snapshots are written all the same")
        }
        let capture = Capture(
            options: options, session: session, compression: compression, delta: policy?.delta,
            mode: options.mode ?? policy?.mode ?? .auto,
            verify: options.verify ?? (policy?.verifyAfterCreate == true))
        let records: [SnapshotRecord]
        do {
            records = try store.withLock("create", by: session.invocation) { locked, facts in
                if let directory = options.fromDirectory {
                    return try capture.archive(directory, in: locked, facts: &facts)
                }
                return try capture.managers(try session.managers(options.nodes), in: locked, facts: &facts)
            }
        } catch {
            let partial = (error as? any SnapFailure)?.exitStatus == .partial
            hook("on_failure", [], error is Interrupted ? "interrupted" : partial ? "partial" : "failed", "\(error)")
            throw error
        }
        hook("after_create", records.map(\.id), "ok", nil)
        created(records)
        // The rehearsal is its own audited step, like the copy: a snapshot that does not
        // load never undoes the capture, and what it found is what the run ends with.
        var loadFailure: (any Error)?
        if let policy, policy.verifyLoad != .off, !records.isEmpty {
            let all = try store.loadRecords(.withoutTables).records
            let chosen = policy.verifyLoad.snapshotsToRehearse(created: records, all: all, now: Date())
            if !chosen.isEmpty {
                do {
                    _ = try VerifyOperation.run(.refs(chosen.map(\.id)), load: true, in: session)
                } catch let error as Interrupted {
                    throw error
                } catch {
                    loadFailure = error
                }
            }
        }
        // The copy off site is its own audited step: a failed upload never undoes a capture,
        // and the prune still runs; the copy's failure is what the run then ends with.
        var copyFailure: (any Error)?
        if let offsite = policy?.offsite, offsite.afterCreate, !records.isEmpty {
            do {
                // Every snapshot the remote lacks, not only the new ones: what an outage kept
                // back goes now.
                _ = try CopyOperation.run(
                    CopyOptions(remote: offsite.remote, progress: options.copyProgress), in: session)
            } catch let error as Interrupted {
                throw error
            } catch {
                copyFailure = OffsiteCopyFailed(records: records, remote: offsite.remote, cause: error)
            }
        }
        if options.prune {
            guard let policy else {
                throw PolicyError.notFound(options.policy ?? "default", searched: session.policies.directories)
            }
            try store.withLock("prune", by: session.invocation) { locked, facts in
                _ = try PruneOperation.prune(
                    in: locked, rules: policy.keep, timeZone: policy.timeZone, now: Date(), facts: &facts)
            }
            if copyFailure == nil {
                _ = try PruneOperation.runOffsite(PruneOptions(policy: options.policy), in: session)
            }
        }
        if let copyFailure { throw copyFailure }
        if let loadFailure { throw loadFailure }
        return records
    }
}

/// The snapshots were made, but their copy off site (the policy's `offsite`) failed: exit as
/// the copy's failure says, naming what stands.
package struct OffsiteCopyFailed: SnapFailure {
    package var records: [SnapshotRecord]
    package var remote: String
    package var cause: any Error
    package var exitStatus: ExitStatus { (cause as? any SnapFailure)?.exitStatus ?? .error }
    package var description: String {
        "created \(records.map(\.id).joined(separator: ", ")), but the copy to remote \(remote) failed: \(cause); "
            + "the next create (or \(Remedy.copyAll(remote))) sends them once the remote is back"
    }
}

/// Some or all managers could not be captured: one line per failed manager, naming the
/// node, the step and the cause (what cron mails).
package struct CaptureFailed: SnapFailure {
    /// What the run did capture; they stand.
    package var records: [SnapshotRecord]
    package var failures: [String]
    package var exitStatus: ExitStatus { records.isEmpty ? .error : .partial }
    package var description: String { failures.joined(separator: "\n") }
    package var lines: [String] { failures }
}
