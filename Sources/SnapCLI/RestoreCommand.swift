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
        if let text = resume ?? rollback {
            let id = try store.resolveRestore(text)
            try continueRestore(id, context: context, store: store, pair: try resolvePair(context))
            return
        }
        guard let ref else { return }
        let pair = try resolvePair(context)
        let request = RestoreRequest(ref: ref, targets: to, mode: mode)
        // Shown before the prompt; everything is checked again under the lock.
        let shown = try RestoreOperation.prepare(
            request, id: FileOps.randomHex(bytes: 6), in: store, records: try context.loadRecords(store), pair: pair)
        render(shown)
        if dryRun { return }
        try confirm()
        let started = Date()
        try context.audited("restore", in: store) { lock, facts in
            facts.snapshots = [shown.record.id]
            facts.nodes = shown.plan.targets
            defer { facts.snapshots += preRestoreSnapshots(shown.plan.id, store) }
            let journal = try RestoreOperation.run(
                request, shown: shown, in: store, lock: lock, pair: pair,
                hooks: DebugHooks(environment: ProcessInfo.processInfo.environment), logger: context.logger,
                progress: progress(total: shown.plan.steps.count))
            for finding in journal.findings { Output.error("snap: warning: \(finding)") }
        }
        finish(shown.plan, started: started)
    }

    private func continueRestore(_ id: String, context: CommandContext, store: Store, pair: [ManagerNode]) throws {
        let started = Date()
        let outcome = try context.audited(resume != nil ? "restore-resume" : "restore-rollback", in: store) {
            lock, facts in
            if let journal = try? store.journal(id) {
                facts.snapshots = [journal.plan.snapshot]
                facts.nodes = journal.plan.targets
            }
            defer { facts.snapshots += preRestoreSnapshots(id, store) }
            return try RestoreOperation.continue(
                id, resume: resume != nil, in: store, lock: lock, pair: pair,
                hooks: DebugHooks(environment: ProcessInfo.processInfo.environment), logger: context.logger,
                progress: progress(total: (try? store.journal(id))?.plan.steps.count ?? 0))
        }
        switch outcome {
        case .nothingToDo(let message):
            if !global.quiet { Output.line(message) }
        case .done(let journal):
            for finding in journal.findings { Output.error("snap: warning: \(finding)") }
            if resume != nil {
                finish(journal.plan, started: started)
            } else if !global.quiet {
                Output.line("restore \(id) rolled back: the managers run on their previous files")
            }
        }
    }

    /// Pre-restore snapshots that restore `id` recorded so far, for the audit entry.
    private func preRestoreSnapshots(_ id: String, _ store: Store) -> [String] {
        ((try? store.journal(id))?.preRestoreSnapshots.values.sorted()) ?? []
    }

    private func progress(total: Int) -> (RestoreStep, RestoreJournal.StepState) -> Void {
        let quiet = global.quiet || global.json
        return { step, state in
            guard !quiet, state != .started else { return }
            Output.error("[\(step.number)/\(total)] \(step.title): \(state == .finished ? "done" : "FAILED")")
        }
    }

    private func resolvePair(_ context: CommandContext) throws -> [ManagerNode] {
        let configured = context.config?.managers ?? []
        guard !configured.isEmpty else { throw LeoFSError.noManagersConfigured }
        return try configured.map(ManagerNode.resolve)
    }

    private func render(_ prepared: PreparedRestore) {
        let plan = prepared.plan
        let record = prepared.record
        if global.json {
            try? Output.json(plan)
            return
        }
        Output.line(
            "restore \(plan.id): snapshot \(record.id) (v\(record.version), \(record.node), \(Output.time(record.created)))"
                + " to \(plan.targets.joined(separator: ", "))")
        Output.line("mode \(plan.mode.rawValue): \(plan.modeReason)")
        Output.table(["#", "STEP", "OPERATION"], plan.steps.map { ["\($0.number)", $0.title, $0.operation] })
        for note in (plan.notes ?? []) + prepared.notes { Output.line("note: \(note)") }
        if dryRun { Output.line("dry run: nothing was changed") }
    }

    private func confirm() throws {
        if yes { return }
        guard isatty(0) == 1 else { throw RestoreError.needsConfirmation }
        FileHandle.standardError.write(Data("Type yes to stop the managers and restore: ".utf8))
        guard try Interruption.readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            throw RestoreError.declined
        }
    }

    private func finish(_ plan: RestorePlan, started: Date) {
        guard !global.quiet, !global.json else { return }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        Output.line(
            "restored \(plan.snapshot) to \(plan.targets.joined(separator: ", ")) (\(plan.mode.rawValue)) in \(seconds) s; restore id \(plan.id)"
        )
    }
}
