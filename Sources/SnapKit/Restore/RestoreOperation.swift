import Foundation

/// A restore the operator asked for: the snapshot, the managers to restore, the mode.
package struct RestoreRequest: Sendable {
    /// The snapshot reference as typed (`latest@manager_1`, an id, `v12`).
    package var ref: String
    /// Configured managers to restore.
    package var targets: [String]
    /// The operator's `--mode`, or nil to choose from the node names.
    package var mode: RestoreMode?

    package init(ref: String, targets: [String], mode: RestoreMode?) {
        self.ref = ref
        self.targets = targets
        self.mode = mode
    }
}

/// A restore resolved, planned and checked holding the store lock. Only
/// ``RestoreOperation`` makes one, under the lock, so what the executor runs was checked there.
package struct PreparedRestore: Sendable {
    package let record: SnapshotRecord
    package let plan: RestorePlan
    /// What the preflight wants the operator to know (a missing directory, a console not probed).
    package let notes: [String]

    fileprivate init(record: SnapshotRecord, plan: RestorePlan, notes: [String]) {
        self.record = record
        self.plan = plan
        self.notes = notes
    }
}

/// How `--resume` or `--rollback` of a restore ended.
package enum RestoreContinuation: Sendable {
    /// There was nothing left to do; the message says why. Nothing was changed.
    case nothingToDo(String)
    /// The restore was finished (resume) or undone (rollback).
    case done(RestoreJournal)
}

/// The restore use case: preview (resolve, plan, check) and run, or resume and roll back.
/// Every check, plan and step is made holding the store lock: the preview takes it for
/// its checks, and a run takes it again and checks everything anew before its first step.
package struct RestoreOperation {
    package var session: Session
    /// Runs `bin/leo_manager`.
    package var runner: any CommandRunning
    /// Called as each step starts and ends, with the number of steps, for progress output.
    package var progress: @Sendable (RestoreStep, Int, RestoreJournal.StepState) -> Void

    package init(
        session: Session, runner: any CommandRunning = CommandRunner(),
        progress: @escaping @Sendable (RestoreStep, Int, RestoreJournal.StepState) -> Void = { _, _, _ in }
    ) {
        self.session = session
        self.runner = runner
        self.progress = progress
    }

    /// Resolves the snapshot, plans the restore and runs the preflight checks under the
    /// lock (no audit entry); changes nothing. What the operator confirms.
    /// - Throws: ``RestoreError``, ``RefError`` or ``LeoFSError`` saying what to fix.
    package func preview(_ request: RestoreRequest) throws -> PreparedRestore {
        let store = try session.openStore()
        let hosts = try session.hosts(runner: runner)
        let id = FileOps.randomHex(bytes: 6)
        return try store.withLock(by: session.invocation) { locked in
            try prepare(request, id: id, in: locked, hosts: hosts, warnDamaged: true)
        }
    }

    /// Checks everything again under the lock and runs the restore the operator confirmed.
    /// The journal (``Store/journal(_:)``) tells what happened, whatever this throws.
    /// - Parameter shown: what the operator saw before confirming; a ref that now names
    ///   another snapshot is refused.
    /// - Throws: what ``preview(_:)`` throws, ``RestoreError/snapshotChanged(ref:confirmed:now:)``,
    ///   or the executor's errors.
    package func run(_ request: RestoreRequest, shown: PreparedRestore) throws -> RestoreJournal {
        let store = try session.openStore()
        let hosts = try session.hosts(runner: runner)
        return try store.withLock("restore", by: session.invocation) { locked, facts in
            facts.snapshots = [shown.record.id]
            facts.nodes = shown.plan.targets
            defer { facts.snapshots += Self.preRestoreSnapshots(shown.plan.id, store) }
            let checked = try prepare(request, id: shown.plan.id, in: locked, hosts: hosts, warnDamaged: false)
            guard checked.record.id == shown.record.id else {
                throw RestoreError.snapshotChanged(
                    ref: request.ref, confirmed: shown.record.id, now: checked.record.id)
            }
            var executor = RestoreExecutor(
                store: locked, snapshot: checked.record, hosts: hosts,
                journal: RestoreJournal(plan: checked.plan, now: Date()))
            executor.progress = { [progress, total = checked.plan.steps.count] in progress($0, total, $1) }
            try executor.run()
            return executor.journal
        }
    }

    /// Finishes (`resume`) or undoes (`rollback`) restore `text` (an id or a unique prefix),
    /// reading its journal under the lock. A restore already completed (resume) or rolled
    /// back (rollback) is left as it is.
    /// - Throws: ``RestoreError`` when the journal does not allow it, or what the executor throws.
    package func `continue`(_ text: String, resume: Bool) throws -> RestoreContinuation {
        let store = try session.openStore()
        let id = try store.resolveRestore(text)
        let hosts = try session.hosts(runner: runner)
        return try store.withLock(resume ? "restore-resume" : "restore-rollback", by: session.invocation) {
            locked, facts in
            let journal = Result { try store.journal(id) }
            if case .success(let journal) = journal {
                facts.snapshots = [journal.plan.snapshot]
                facts.nodes = journal.plan.targets
            }
            defer { facts.snapshots += Self.preRestoreSnapshots(id, store) }
            return try proceed(id, try journal.get(), resume: resume, in: locked, hosts: hosts)
        }
    }

    /// The snapshot resolved, the restore planned and checked, holding the lock.
    private func prepare(
        _ request: RestoreRequest, id: String, in locked: LockedStore, hosts: [any ManagerHost], warnDamaged: Bool
    ) throws -> PreparedRestore {
        let pair = hosts.map(\.node)
        let store = locked.store
        if let unfinished = store.unfinishedRestores().first { throw RestoreError.unfinished(id: unfinished) }
        let records = warnDamaged ? try session.loadRecords(store) : try store.loadRecords()
        let record = try SnapshotRef(parsing: request.ref).resolve(in: records)
        let targets = try request.targets.map { name in
            guard let node = pair.first(where: { $0.name == name }) else {
                throw LeoFSError.unknownManager(name, known: pair.map(\.name))
            }
            return node
        }
        let layout = RestoreLayout(store: store, id: id)
        let plan = try RestorePlanner.plan(
            id: id, record: record, targets: targets, pair: pair, requestedMode: request.mode,
            rescue: { node in
                hosts.first { $0.name == node.name }?.rescueDirectory(for: layout) ?? layout.rescue(node.name)
            })
        try BundleFetch.ensure([record], in: locked, session: session)
        let notes = try RestorePreflight.check(
            record, in: locked, plan: plan,
            targets: targets.compactMap { target in hosts.first { $0.name == target.name } }, pair: hosts)
        return PreparedRestore(record: record, plan: plan, notes: notes)
    }

    private func proceed(
        _ id: String, _ journal: RestoreJournal, resume: Bool, in locked: LockedStore, hosts: [any ManagerHost]
    ) throws -> RestoreContinuation {
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
            throw RestoreCheckFailed(
                detail: "restore \(id) was rolling back; finish that with \(Remedy.continueRollback(id))")
        default:
            break
        }
        let records = try locked.store.loadRecords()
        // A rollback needs only the journal and the pre-restore snapshots, not the snapshot.
        let snapshot = resume ? try SnapshotRef.idPrefix(journal.plan.snapshot).resolve(in: records) : nil
        var executor = RestoreExecutor(
            store: locked, snapshot: snapshot, hosts: hosts, journal: journal)
        executor.progress = { [progress, total = journal.plan.steps.count] in progress($0, total, $1) }
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

    /// Pre-restore snapshots that restore `id` recorded so far, for the audit entry.
    private static func preRestoreSnapshots(_ id: String, _ store: Store) -> [String] {
        ((try? store.journal(id))?.preRestoreSnapshots.values.sorted()) ?? []
    }
}
