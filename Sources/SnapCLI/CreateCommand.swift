import ArgumentParser
import Foundation
import SnapKit

extension SnapshotRecord.CaptureMode.Requested: ExpressibleByArgument {}

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Capture configured managers (or a Mnesia directory captured elsewhere) into new snapshots.",
        discussion: """
            Modes: auto (default; running node: files + dump, stopped node: plain copy), files (hot copy, \
            only accepted if nothing changed during it), dump (dump-mnesia-data), cold (stop, copy, start again).
            Exit 3 when some managers were captured and others failed.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp("A configured manager to capture; repeat for several (default: all).", valueName: "name"))
    var node: [String] = []

    @Flag(help: "Capture every configured manager.")
    var all = false

    @Option(help: ArgumentHelp("auto, files, dump or cold.", valueName: "mode"))
    var mode: SnapshotRecord.CaptureMode.Requested?

    @Option(
        name: .customLong("from-dir"),
        help: ArgumentHelp(
            "Archive a Mnesia directory captured elsewhere (needs one --node; no node control).", valueName: "dir"))
    var fromDirectory: String?

    @Option(help: ArgumentHelp("With --from-dir: a dump-mnesia-data export to include.", valueName: "file"))
    var dump: String?

    @Option(help: ArgumentHelp("A label; repeat for several.", valueName: "tag"))
    var tag: [String] = []

    @Option(help: ArgumentHelp("Free text stored with the snapshot.", valueName: "text"))
    var note: String?

    @Option(help: ArgumentHelp("zstd level (default 3).", valueName: "n"))
    var level: Int?

    @Option(help: ArgumentHelp("zstd worker threads (default: one per core).", valueName: "n"))
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "Policy for mode, compression, verification and --prune (default: the config's, else default).",
            valueName: "policy"))
    var policy: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Re-read the new bundles before the run ends (default: the policy's verify_after_create).")
    var verify: Bool?

    @Flag(help: "Apply the policy's retention after a successful capture (the usual cron line).")
    var prune = false

    @Option(help: ArgumentHelp("Write a node_exporter textfile here after the run.", valueName: "file"))
    var metrics: String?

    @Flag(
        name: .customLong("allow-incomplete"),
        help: "Archive a directory that lacks a Mnesia schema or table files (refused otherwise).")
    var allowIncomplete = false

    func validate() throws {
        if fromDirectory != nil {
            guard node.count == 1 else { throw ValidationError("--from-dir needs exactly one --node NAME") }
            if all || mode != nil {
                throw ValidationError("--from-dir takes no --all or --mode: no node is controlled")
            }
        } else {
            if dump != nil { throw ValidationError("--dump goes with --from-dir; live captures make their own dump") }
            if all && !node.isEmpty { throw ValidationError("pass --all or --node NAME, not both") }
        }
        if tag.contains(where: { $0.isEmpty || $0.contains(",") || $0.contains(where: \.isWhitespace) }) {
            throw ValidationError("tags must be non-empty and contain no commas or spaces")
        }
    }

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        let started = Date()
        defer { if let metrics { context.writeMetrics(to: metrics, store: store, action: "create", started: started) } }
        // A policy named on the command line or in snap.yaml must load; the default is optional.
        let chosen =
            policy != nil || context.config?.policy != nil ? try context.policy(policy) : try? context.policy(nil)
        let standard = CompressionSettings.standard
        let policyThreads = chosen.map { $0.compressionThreads == 0 ? standard.threads : $0.compressionThreads }
        let compression = try CompressionSettings(
            level: level ?? chosen?.compressionLevel ?? standard.level,
            threads: threads ?? policyThreads ?? standard.threads)
        let hooks = chosen.map { PolicyHooks(policy: $0) }
        let nodes = fromDirectory != nil ? node : (node.isEmpty ? context.config?.managers.map(\.name) ?? [] : node)
        func hook(_ event: String, _ snapshots: [String], _ outcome: String, _ error: String?) {
            if let warning = hooks?.run(event, nodes: nodes, snapshots: snapshots, outcome: outcome, error: error) {
                Output.error("snap: warning: \(warning)")
            }
        }
        hook("before_create", [], "starting", nil)
        let outcome: CaptureOutcome
        do {
            if let fromDirectory, let name = node.first {
                outcome = try captureDirectory(
                    fromDirectory, node: name, context: context, store: store, compression: compression,
                    verify: verify ?? (chosen?.verifyAfterCreate == true))
            } else {
                outcome = try captureManagers(
                    context: context, store: store, compression: compression, mode: mode ?? chosen?.mode ?? .auto,
                    verify: verify ?? (chosen?.verifyAfterCreate == true))
            }
        } catch {
            let partial = (error as? any SnapFailure)?.exitStatus == .partial
            let outcome = error is Interrupted ? "interrupted" : partial ? "partial" : "failed"
            hook("on_failure", [], outcome, "\(error)")
            throw error
        }
        hook("after_create", outcome.records.map(\.id), "ok", nil)
        render(outcome.records)
        if prune {
            guard let chosen else {
                throw PolicyError.notFound(policy ?? "default", searched: context.policyDirectories)
            }
            try context.audited("prune", in: store) { lock, facts in
                try store.refuseWhileRestoring("prune", nodes: nil)
                let decisions = PruneOperation.decide(
                    try store.loadRecords().records, rules: chosen.keep, timeZone: chosen.timeZone, now: Date(),
                    held: store.heldByRestores())
                facts.snapshots = try PruneOperation.apply(decisions, in: store, lock: lock, logger: context.logger)
            }
        }
    }

    /// The policy's `verify_after_create`: re-read the new bundles while still holding the lock.
    private func verifyCreated(_ records: [SnapshotRecord], store: Store, lock: StoreLock, context: CommandContext)
        throws
    {
        let report: VerifyReport
        do {
            report = try VerifyOperation.run(records, in: store, lock: lock, logger: context.logger)
        } catch let interrupted as Interrupted {
            let ids = records.map(\.id).joined(separator: " ")
            throw interrupted.leaving(
                "\(Self.recorded(records)), but not verified; run `snap verify \(ids)`")
        }
        if !report.failed.isEmpty { throw VerificationFailed(report: report) }
    }

    private func captureDirectory(
        _ directory: String, node name: String, context: CommandContext, store: Store, compression: CompressionSettings,
        verify: Bool
    ) throws -> CaptureOutcome {
        var request = CaptureRequest(
            node: name, sources: BundleSources(mnesiaDirectory: directory, dumpFile: dump), mode: .fromDir,
            tags: tag, note: note, cluster: context.config?.cluster, compression: compression)
        // Read as a live capture reads its own dump: a damaged one is refused now, not
        // found by a restore, and the record gets the table summary `diff` compares.
        request.summarizesDump = true
        request.requiresMnesiaSchema = !allowIncomplete
        let record = try context.audited("create", in: store) { lock, facts in
            facts.nodes = [name]
            try store.refuseWhileRestoring("create", nodes: [name])
            let record = try CreateOperation.capture(request, in: store, lock: lock, logger: context.logger)
            facts.snapshots = [record.id]
            if verify { try verifyCreated([record], store: store, lock: lock, context: context) }
            return record
        }
        return CaptureOutcome(records: [record], failures: [])
    }

    private func captureManagers(
        context: CommandContext, store: Store, compression: CompressionSettings,
        mode: SnapshotRecord.CaptureMode.Requested, verify: Bool
    ) throws -> CaptureOutcome {
        let configured = context.config?.managers ?? []
        guard !configured.isEmpty else { throw LeoFSError.noManagersConfigured }
        let selected =
            try node.isEmpty
            ? configured
            : node.map { name in
                guard let manager = configured.first(where: { $0.name == name }) else {
                    throw LeoFSError.unknownManager(name, known: configured.map(\.name))
                }
                return manager
            }
        return try context.audited("create", in: store) { lock, facts in
            facts.nodes = selected.map(\.name)
            try store.refuseWhileRestoring("create", nodes: selected.map(\.name))
            var outcome = CaptureOutcome(records: [], failures: [])
            // After one cold copy hung (a stuck store disk, likely), stopping the next
            // manager, often its partner, would only take it down into the same hang.
            var hungCopy: String?
            for manager in selected {
                do {
                    try Interruption.check()
                } catch let interrupted as Interrupted {
                    facts.snapshots = outcome.records.map(\.id)
                    throw interrupted.leaving(Self.interruptedBefore(manager.name, outcome: outcome))
                }
                if mode == .cold, let hungCopy {
                    outcome.failures.append(
                        "\(manager.name): cold copy: not stopped, because the cold copy of \(hungCopy) hung")
                    continue
                }
                do {
                    let host = LocalManagerHost(
                        try ManagerNode.resolve(manager),
                        coldCopyPieceDelay: DebugHooks(environment: ProcessInfo.processInfo.environment)
                            .coldCopyPieceDelay, logger: context.logger)
                    let capture = LiveCapture(
                        store: store, lock: lock, host: host, compression: compression, logger: context.logger)
                    outcome.records.append(
                        try capture.capture(
                            mode: mode, tags: tag, note: note, cluster: context.config?.cluster,
                            requiresMnesiaSchema: !allowIncomplete))
                } catch let error as CaptureError {
                    if error.coldCopyHung { hungCopy = manager.name }
                    outcome.failures.append(error.description)
                } catch let interrupted as Interrupted {
                    facts.snapshots = outcome.records.map(\.id)
                    throw interrupted.leaving(interrupted.state + Self.earlier(outcome))
                } catch {
                    let text = "\(error)"
                    outcome.failures.append(text.hasPrefix(manager.name + ": ") ? text : "\(manager.name): \(text)")
                }
            }
            facts.snapshots = outcome.records.map(\.id)
            if verify { try verifyCreated(outcome.records, store: store, lock: lock, context: context) }
            if let failure = outcome.failure {
                // What was captured is shown before the run ends with 3 (partial) or 1.
                render(outcome.records)
                throw failure
            }
            return outcome
        }
    }

    /// What an interruption before capturing `name` leaves.
    private static func interruptedBefore(_ name: String, outcome: CaptureOutcome) -> String {
        let done = outcome.records.isEmpty ? "; no snapshot was recorded" : ""
        return "stopped before \(name), which was not touched\(done)\(earlier(outcome))"
    }

    /// What the managers captured before the one being captured when the signal came gave.
    private static func earlier(_ outcome: CaptureOutcome) -> String {
        (outcome.records.isEmpty ? "" : "; " + recorded(outcome.records))
            + outcome.failures.map { "; failed before the signal: \($0)" }.joined()
    }

    /// The snapshots a run recorded before it was interrupted; they stand.
    private static func recorded(_ records: [SnapshotRecord]) -> String {
        "recorded before the signal, and kept: "
            + records.map { "\($0.id) v\($0.version) \($0.node)" }.joined(separator: ", ")
    }

    private func render(_ records: [SnapshotRecord]) {
        if global.json {
            try? Output.json(records)
        } else if !global.quiet {
            for record in records {
                let reuse = record.deduplicated ? ", content unchanged: bundle reused" : ""
                let downtime = record.downtimeSeconds.map { String(format: ", node down %.2f s", $0) } ?? ""
                Output.line(
                    "created \(record.id) v\(record.version) \(record.node) \(record.mode.rawValue) \(Output.size(record.bundleSize))\(reuse)\(downtime)"
                )
            }
        }
    }
}

/// What a `create` run achieved.
struct CaptureOutcome {
    var records: [SnapshotRecord]
    var failures: [String]

    /// The error to exit with: none, partial (3) or total (1).
    var failure: CaptureFailed? {
        failures.isEmpty ? nil : CaptureFailed(captured: records.count, failures: failures)
    }
}

/// Some or all managers could not be captured: one line per failed manager, naming the
/// node, the step and the cause (what cron mails).
struct CaptureFailed: SnapFailure {
    var captured: Int
    var failures: [String]
    var exitStatus: ExitStatus { captured > 0 ? .partial : .error }
    var description: String { failures.joined(separator: "\nsnap: error: ") }
}
