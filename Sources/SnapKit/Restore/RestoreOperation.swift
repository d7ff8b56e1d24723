import Foundation
import Logging

/// A restore the operator asked for: the snapshot, the managers to restore, the mode.
public struct RestoreRequest: Sendable {
    /// The snapshot reference as typed (`latest@manager_1`, an id, `v12`).
    public var ref: String
    /// Configured managers to restore.
    public var targets: [String]
    /// The operator's `--mode`, or nil to choose from the node names.
    public var mode: RestoreMode?

    public init(ref: String, targets: [String], mode: RestoreMode?) {
        self.ref = ref
        self.targets = targets
        self.mode = mode
    }
}

/// A restore resolved, planned and checked, ready to show or to run.
public struct PreparedRestore: Sendable {
    public var record: SnapshotRecord
    public var plan: RestorePlan
    /// What the preflight wants the operator to know (a missing directory, a console not probed).
    public var notes: [String]
}

/// How `--resume` or `--rollback` of a restore ended.
public enum RestoreContinuation: Sendable {
    /// There was nothing left to do; the message says why. Nothing was changed.
    case nothingToDo(String)
    /// The restore was finished (resume) or undone (rollback).
    case done(RestoreJournal)
}

/// The restore use case: prepare (resolve, plan, check) and run, or resume and roll back.
public enum RestoreOperation {
    /// Resolves the snapshot, plans the restore and runs the preflight checks; changes nothing.
    ///
    /// Called once without the lock to show the plan before the prompt, and again holding
    /// the lock that the restore then keeps, so that nothing checked can change before the
    /// first step (a prune, another restore).
    /// - Throws: ``RestoreError``, ``RefError`` or ``LeoFSError`` saying what to fix.
    public static func prepare(
        _ request: RestoreRequest, id: String, in store: Store, records: RecordSet, pair: [ManagerNode],
        runner: any CommandRunning = CommandRunner()
    ) throws -> PreparedRestore {
        if let unfinished = store.unfinishedRestores().first { throw RestoreError.unfinished(id: unfinished) }
        let record = try SnapshotRef(parsing: request.ref).resolve(in: records)
        let targets = try request.targets.map { name in
            guard let node = pair.first(where: { $0.name == name }) else {
                throw LeoFSError.unknownManager(name, known: pair.map(\.name))
            }
            return node
        }
        let plan = try RestorePlanner.plan(
            id: id, record: record, targets: targets, pair: pair, requestedMode: request.mode,
            rescueDirectory: RestoreLayout(store: store, id: id).rescueRoot)
        let hosts = pair.map { LocalManagerHost($0, runner: runner) }
        let notes = try RestorePreflight.check(
            record, in: store, plan: plan,
            targets: targets.compactMap { target in hosts.first { $0.name == target.name } }, pair: hosts)
        return PreparedRestore(record: record, plan: plan, notes: notes)
    }

    /// Checks everything again under `lock` and runs the restore the operator confirmed. The
    /// journal (``Store/journal(_:)``) tells what happened, whatever this throws.
    /// - Parameter shown: what the operator saw before confirming; a ref that now names
    ///   another snapshot is refused.
    /// - Throws: what ``prepare(_:id:in:records:pair:runner:)`` throws,
    ///   ``RestoreError/snapshotChanged(ref:confirmed:now:)``, or the executor's errors.
    public static func run(
        _ request: RestoreRequest, shown: PreparedRestore, in store: Store, lock: StoreLock, pair: [ManagerNode],
        runner: any CommandRunning = CommandRunner(), hooks: DebugHooks = DebugHooks(), logger: Logger,
        progress: @escaping (RestoreStep, RestoreJournal.StepState) -> Void = { _, _ in }
    ) throws -> RestoreJournal {
        let checked = try prepare(
            request, id: shown.plan.id, in: store, records: try store.loadRecords(), pair: pair, runner: runner)
        guard checked.record.id == shown.record.id else {
            throw RestoreError.snapshotChanged(ref: request.ref, confirmed: shown.record.id, now: checked.record.id)
        }
        var executor = RestoreExecutor(
            store: store, lock: lock, snapshot: checked.record,
            hosts: pair.map { LocalManagerHost($0, runner: runner, logger: logger) },
            journal: RestoreJournal(plan: checked.plan, now: Date()), logger: logger, hooks: hooks)
        executor.progress = progress
        try executor.run()
        return executor.journal
    }

    /// Finishes (`resume`) or undoes (`rollback`) restore `id`, reading its journal under
    /// `lock`. A restore already completed (resume) or rolled back (rollback) is left as it is.
    /// - Throws: ``RestoreError`` when the journal does not allow it, or what the executor throws.
    public static func `continue`(
        _ id: String, resume: Bool, in store: Store, lock: StoreLock, pair: [ManagerNode],
        runner: any CommandRunning = CommandRunner(), hooks: DebugHooks = DebugHooks(), logger: Logger,
        progress: @escaping (RestoreStep, RestoreJournal.StepState) -> Void = { _, _ in }
    ) throws -> RestoreContinuation {
        let journal = try store.journal(id)
        switch (journal.phase, resume) {
        case (.completed, true):
            return .nothingToDo("restore \(id) is already completed; nothing to do")
        case (.rolledBack, false):
            return .nothingToDo("restore \(id) is already rolled back; nothing to do")
        case (.completed, false):
            throw RestoreError.completedCannotRollBack(id: id, preRestore: journal.preRestoreSnapshots)
        case (.rolledBack, true):
            throw RestoreError.finished(id: id, phase: "rolled back; start a new restore")
        case (.rollingBack, true), (.rollbackFailed, true):
            throw RestoreCheckFailed(detail: "restore \(id) was rolling back; finish that with --rollback \(id)")
        default:
            break
        }
        let records = try store.loadRecords()
        // A rollback needs only the journal and the pre-restore snapshots, not the snapshot.
        let snapshot = resume ? try SnapshotRef.idPrefix(journal.plan.snapshot).resolve(in: records) : nil
        var executor = RestoreExecutor(
            store: store, lock: lock, snapshot: snapshot,
            hosts: pair.map { LocalManagerHost($0, runner: runner, logger: logger) }, journal: journal, logger: logger,
            hooks: hooks)
        executor.progress = progress
        if resume {
            try executor.run()
        } else {
            do {
                try executor.rollback(after: journal.failure ?? "interrupted")
            } catch let error as RestoreError {
                // A rollback the operator asked for and that worked is a success.
                guard case .rolledBack = error else { throw error }
            }
        }
        return .done(executor.journal)
    }
}
