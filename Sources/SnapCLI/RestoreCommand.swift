import ArgumentParser
import Foundation
import Glibc
import SnapKit

extension RestoreMode: ExpressibleByArgument {}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract:
            "Restore a snapshot to named managers: Case 1 (copy) or Case 2 (load), planned, journaled, rolled back on failure.",
        discussion: """
            The plan is printed first; it runs with --yes, or after typing yes on a terminal. \
            A failure after files were moved is rolled back (exit 5). A killed restore is \
            finished with --resume ID or undone with --rollback ID.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The snapshot to restore.", valueName: "ref"))
    var ref: String?

    @Option(help: ArgumentHelp("A configured manager to restore; repeat for both.", valueName: "name"))
    var to: [String] = []

    @Option(
        help: ArgumentHelp(
            "copy (Case 1) or load (Case 2); default: copy when every target is in the snapshot's pair.",
            valueName: "mode"))
    var mode: RestoreMode?

    @Flag(name: .customLong("dry-run"), help: "Print the plan and the preflight checks; change nothing.")
    var dryRun = false

    @Flag(help: "Run the plan without asking.")
    var yes = false

    @Option(help: ArgumentHelp("Finish an interrupted restore.", valueName: "id"))
    var resume: String?

    @Option(help: ArgumentHelp("Undo an interrupted or failed restore.", valueName: "id"))
    var rollback: String?

    func validate() throws {
        let journalOps = [resume, rollback].compactMap { $0 }.count
        if journalOps > 1 { throw ValidationError("pass --resume or --rollback, not both") }
        if journalOps == 1 {
            if ref != nil || !to.isEmpty || mode != nil || dryRun {
                throw ValidationError("--resume and --rollback take only the restore id")
            }
            return
        }
        guard ref != nil else { throw ValidationError("name the snapshot to restore (or --resume ID / --rollback ID)") }
        guard !to.isEmpty else { throw ValidationError("name the manager(s) to restore with --to NAME") }
        if Set(to).count != to.count { throw ValidationError("each --to manager only once") }
    }

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        if let id = resume ?? rollback {
            try continueRestore(id, context: context, store: store)
            return
        }
        guard let ref else { return }
        let record = try SnapshotRef(parsing: ref).resolve(in: try context.loadRecords(store))
        let pair = try resolvePair(context)
        let targets = try to.map { name in
            guard let node = pair.first(where: { $0.name == name }) else {
                throw LeoFSError.unknownManager(name, known: pair.map(\.name))
            }
            return node
        }
        if let unfinished = store.unfinishedRestores().first { throw RestoreError.unfinished(id: unfinished) }
        let id = FileOps.randomHex(bytes: 6)
        let plan = try RestorePlanner.plan(
            id: id, record: record, targets: targets, pair: pair, requestedMode: mode,
            rescueDirectory: store.restoreDirectory(id) + "/rescue")
        try RestorePreflight.check(record, in: store, targets: targets)
        render(plan, record: record)
        if dryRun { return }
        try confirm()
        let started = Date()
        try context.audited("restore", in: store) { lock, facts in
            facts.snapshots = [record.id]
            facts.nodes = plan.targets
            var executor = RestoreExecutor(
                store: store, lock: lock, snapshot: record, nodes: pair,
                journal: RestoreJournal(plan: plan, now: started),
                logger: context.logger)
            try execute(&executor, facts: &facts)
        }
        finish(plan, started: started)
    }

    private func continueRestore(_ id: String, context: CommandContext, store: Store) throws {
        let journal = try store.journal(id)
        guard journal.phase.isUnfinished else { throw RestoreError.finished(id: id, phase: journal.phase.rawValue) }
        let record = try SnapshotRef(parsing: journal.plan.snapshot).resolve(in: try context.loadRecords(store))
        let pair = try resolvePair(context)
        let started = Date()
        try context.audited(resume != nil ? "restore-resume" : "restore-rollback", in: store) { lock, facts in
            facts.snapshots = [record.id]
            facts.nodes = journal.plan.targets
            var executor = RestoreExecutor(
                store: store, lock: lock, snapshot: record, nodes: pair, journal: journal, logger: context.logger)
            if resume != nil {
                guard journal.phase == .running else {
                    throw RestoreCheckFailed(
                        detail: "restore \(id) was rolling back; finish that with --rollback \(id)")
                }
                try execute(&executor, facts: &facts)
            } else {
                do {
                    try executor.rollback(after: journal.failure ?? "interrupted")
                } catch let error as RestoreError {
                    // A rollback the operator asked for and that worked is a success.
                    guard case .rolledBack = error else { throw error }
                }
            }
        }
        if resume != nil {
            finish(journal.plan, started: started)
        } else if !global.quiet {
            Output.line("restore \(id) rolled back: the managers run on their previous files")
        }
    }

    private func execute(_ executor: inout RestoreExecutor, facts: inout AuditFacts) throws {
        let total = executor.journal.plan.steps.count
        let quiet = global.quiet || global.json
        executor.progress = { step, state in
            guard !quiet, state != .started else { return }
            Output.error("[\(step.number)/\(total)] \(step.title): \(state == .finished ? "done" : "FAILED")")
        }
        defer { facts.snapshots += executor.journal.preRestoreSnapshots.values.sorted() }
        try executor.run()
        for finding in executor.journal.findings { Output.error("snap: warning: \(finding)") }
    }

    private func resolvePair(_ context: CommandContext) throws -> [ManagerNode] {
        let configured = context.config?.managers ?? []
        guard !configured.isEmpty else { throw LeoFSError.noManagersConfigured }
        return try configured.map(ManagerNode.resolve)
    }

    private func render(_ plan: RestorePlan, record: SnapshotRecord) {
        if global.json {
            try? Output.json(plan)
            return
        }
        Output.line(
            "restore \(plan.id): snapshot \(record.id) (v\(record.version), \(record.node), \(Output.time(record.created)))"
                + " to \(plan.targets.joined(separator: ", "))")
        Output.line("mode \(plan.mode.rawValue): \(plan.modeReason)")
        Output.table(["#", "STEP", "OPERATION"], plan.steps.map { ["\($0.number)", $0.title, $0.operation] })
        if dryRun { Output.line("dry run: nothing was changed") }
    }

    private func confirm() throws {
        if yes { return }
        guard isatty(0) == 1 else { throw RestoreError.needsConfirmation }
        FileHandle.standardError.write(Data("Type yes to stop the managers and restore: ".utf8))
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else { throw RestoreError.declined }
    }

    private func finish(_ plan: RestorePlan, started: Date) {
        guard !global.quiet, !global.json else { return }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        Output.line(
            "restored \(plan.snapshot) to \(plan.targets.joined(separator: ", ")) (\(plan.mode.rawValue)) in \(seconds) s; restore id \(plan.id)"
        )
    }
}
