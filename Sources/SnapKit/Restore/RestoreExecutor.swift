import Foundation
import Glibc
import Logging

/// Carries out a ``RestorePlan`` step by step, journaling each step before and after it
/// runs, and rolls back when a step fails after files were moved.
///
/// Every step can run again after a kill, and none empties a Mnesia directory unless what
/// replaces it is complete: the rescue moves files (one complete copy exists at every
/// instant, see ``FileOps/move(_:to:)``), the snapshot's files are checked as they are
/// unpacked beside the target and renamed into place, and a rollback puts back a copy
/// checked against the pre-restore snapshot.
package struct RestoreExecutor {
    /// The store, held: the journal, the pre-restore snapshots and their verdicts are written.
    package let locked: LockedStore
    /// The snapshot being restored; nil when it is gone, which only a rollback can live with.
    package let snapshot: SnapshotRecord?
    /// Every manager of the pair by name, reached only through this seam.
    package let hosts: [String: any ManagerHost]
    /// Called as each step starts and ends, for progress output.
    package var progress: (RestoreStep, RestoreJournal.StepState) -> Void = { _, _ in }
    /// Test-only: ``DebugHooks/killAtStep`` kills the process (SIGKILL) as that step starts.
    package var hooks: DebugHooks
    package internal(set) var journal: RestoreJournal

    /// - Parameters:
    ///   - snapshot: the snapshot restored; nil when it is gone (a rollback needs none).
    ///   - hosts: every manager of the pair.
    ///   - journal: a new restore's, or one read back to resume or roll back.
    package init(
        store locked: LockedStore, snapshot: SnapshotRecord?, hosts: [any ManagerHost], journal: RestoreJournal
    ) {
        self.locked = locked
        self.snapshot = snapshot
        self.hosts = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.journal = journal
        self.hooks = locked.invocation.hooks
    }

    var store: Store { locked.store }
    var logger: Logger { locked.logger }

    var layout: RestoreLayout { RestoreLayout(store: store, id: journal.plan.id) }

    /// Runs every step not yet finished (a step that was started and interrupted runs again).
    /// On failure: rolls back when anything was moved, and throws what happened.
    package mutating func run() throws {
        for index in journal.states.indices where journal.states[index] != .finished {
            let step = journal.plan.steps[index]
            try mark(index, .started)
            if hooks.killAtStep == step.number { raise(SIGKILL) }
            hooks.pause(at: step.number)
            do {
                try perform(step.action)
                try mark(index, .finished)
                try Interruption.check(leaving: stoppedAfter(step))
            } catch let interrupted as Interrupted {
                // Not a failure: the step runs again on --resume, or --rollback undoes it.
                throw interrupted.leaving(stoppedAfter(step, finished: journal.states[index] == .finished))
            } catch {
                try? mark(index, .failed)
                let failure = RestoreError.stepFailed(step: step.number, title: step.title, cause: "\(error)")
                journal.failure = failure.description
                guard journal.plan.targets.contains(where: journal.rescueBegan) else {
                    // Nothing was moved: only the managers it stopped need starting again.
                    journal.phase = .rolledBack
                    try? locked.save(journal)
                    throw RestoreError.stepFailed(
                        step: step.number, title: step.title, cause: "\(error); \(startStoppedManagers())")
                }
                try rollback(after: failure.description)
            }
        }
        journal.phase = .completed
        try locked.save(journal)
        releaseRescue()
    }

    /// Starts again the managers this restore stopped, when it failed before moving any
    /// file; says what came of it.
    private func startStoppedManagers() -> String {
        let stopped = zip(journal.plan.steps, journal.states).compactMap { step, state -> String? in
            guard state != .pending, case .stop(let name) = step.action else { return nil }
            return name
        }
        guard !stopped.isEmpty else { return "nothing was changed" }
        var failures: [String] = []
        for name in stopped {
            do {
                try host(name).startAndWait()
            } catch {
                failures.append("\(error)")
            }
        }
        let names = stopped.joined(separator: ", ")
        guard failures.isEmpty else {
            return "no file was moved, but starting \(names) again failed: \(failures.joined(separator: "; "))"
        }
        return "no file was moved, and \(names) \(stopped.count == 1 ? "was" : "were") started again"
    }

    /// What a signal between two steps leaves, and the two ways on.
    func stoppedAfter(_ step: RestoreStep, finished: Bool = true) -> String {
        let id = journal.plan.id
        let place = finished ? "after step \(step.number)" : "in step \(step.number), which runs again on resume"
        return "restore \(id) stopped \(place) (\(step.title)); the managers may be down: finish it with "
            + "\(Remedy.resumeRestore(id)) or undo it with \(Remedy.rollBackRestore(id))"
    }

    mutating func mark(_ index: Int, _ state: RestoreJournal.StepState) throws {
        journal.states[index] = state
        journal.updated = Date()
        try locked.save(journal)
        progress(journal.plan.steps[index], state)
    }

    func host(_ name: String) throws -> any ManagerHost {
        guard let host = hosts[name] else { throw LeoFSError.unknownManager(name, known: hosts.keys.sorted()) }
        return host
    }

    /// The snapshot, which every forward step but the rescue needs.
    private func restoredSnapshot() throws -> SnapshotRecord {
        guard let snapshot else {
            throw RestoreCheckFailed(
                detail: "snapshot \(journal.plan.snapshot) is no longer in the store, so restore \(journal.plan.id) "
                    + "cannot go on; undo it with \(Remedy.rollBackRestore(journal.plan.id))")
        }
        return snapshot
    }

    private mutating func perform(_ action: RestoreAction) throws {
        switch action {
        case let .stop(name):
            let manager = try host(name)
            if try manager.isRunning() { try manager.stop() }
        case let .confirmDown(name):
            try confirmDown(try host(name))
        case let .rescue(name):
            try rescue(try host(name))
        case let .recordPreRestore(name):
            try recordPreRestore(try host(name))
        case let .unpack(name):
            let manager = try host(name)
            try manager.unpackSnapshot(try restoredSnapshot(), from: store, owner: try original(manager))
        case let .swapIn(name):
            try host(name).swapInStaging { try store.manifest(for: try restoredSnapshot()).manifest }
        case let .setPartner(name, partner):
            let manager = try host(name)
            let file = try manager.partnerConfFile()
            let backup = file + ".before-restore-" + journal.plan.id
            journal.confBackups[name] = .init(file: file, backup: backup)
            try locked.save(journal)
            try manager.setPartner(partner, in: file, backup: backup)
        case let .start(name):
            try host(name).start()
        case let .waitReady(name):
            try host(name).waitReady()
        case let .checkStatus(name):
            let snapshot = try restoredSnapshot()
            let status = ClusterStatus(parsing: try host(name).console("status"))
            if let expected = snapshot.ringHashes?.current, let found = status.currentRingHash, expected != found {
                throw RestoreCheckFailed(detail: "\(name) reports ring-hash \(found), the snapshot had \(expected)")
            }
            if status.currentRingHash == nil { throw RestoreCheckFailed(detail: "\(name): status shows no ring-hash") }
        case let .loadDump(name):
            let snapshot = try restoredSnapshot()
            let manager = try host(name)
            if journal.freshSchema == nil {
                // What the fresh schema holds on its own, which the load merges with the dump.
                journal.freshSchema = try manager.dumpTables()
                try locked.save(journal)
            }
            try manager.load(dumpOf: snapshot, from: store)
        case let .updateManagers(name, master, slave):
            let reply = try host(name).console("update-managers \(master) \(slave)")
            guard reply.trimmingCharacters(in: .whitespacesAndNewlines) == "OK" else {
                throw RestoreCheckFailed(
                    detail: "update-managers answered \(reply.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        case let .compareTables(name):
            let snapshot = try restoredSnapshot()
            let live = try host(name).dumpTables()
            journal.findings = TableComparison.differences(
                expected: snapshot.tables ?? [], found: live, freshSchema: journal.freshSchema ?? [])
        }
    }

    /// Down means: `ping` fails and no Erlang VM runs under the node's name.
    func confirmDown(_ manager: any ManagerHost) throws {
        if try !manager.isDown() { throw LeoFSError.stillRunning(node: manager.name) }
    }

    /// Moves everything in the node's Mnesia directory to the rescue area, after writing
    /// down what the directory was (owner, mode, or missing) in the journal.
    private mutating func rescue(_ manager: any ManagerHost) throws {
        if journal.originals?[manager.name] == nil {
            var originals = journal.originals ?? [:]
            originals[manager.name] = try manager.surveyMnesia()
            journal.originals = originals
            try locked.save(journal)
        }
        let (files, bytes) = try manager.rescueMnesia(to: rescue(of: manager))
        journal.originals?[manager.name]?.files = files
        journal.originals?[manager.name]?.bytes = bytes
    }

    /// The note that names a restore's pre-restore snapshot of `node`.
    func preRestoreNote(_ node: String) -> String { "files of \(node) before restore \(journal.plan.id)" }

    /// Records the rescued files as a `pre-restore` snapshot; a rescue that holds nothing (a
    /// missing or empty directory) is no snapshot. A record made before a kill is reused.
    private mutating func recordPreRestore(_ manager: any ManagerHost) throws {
        guard journal.preRestoreSnapshots[manager.name] == nil else { return }
        let rescued = rescue(of: manager)
        guard try !manager.rescuedNames(in: rescued).isEmpty else {
            logger.info("\(manager.name): its Mnesia directory held nothing; no pre-restore snapshot")
            return
        }
        let note = preRestoreNote(manager.name)
        if let made = try store.loadRecords(.withoutTables).records.first(where: {
            $0.node == manager.name && $0.tags.contains("pre-restore") && $0.note == note
        }) {
            journal.preRestoreSnapshots[manager.name] = made.id
            return
        }
        let node = manager.node
        let record = try manager.withRescuedFiles(in: rescued) { bundler in
            var request = CaptureRequest(
                node: node.name, bundler: bundler, mode: .cold,
                tags: ["pre-restore"], note: note, role: node.role, cluster: node.cluster,
                partner: node.partner, compression: .standard)
            request.nodename = node.nodename
            request.host = manager.hostName
            request.requiresMnesiaSchema = false  // whatever the manager held is what a rollback needs
            return try SnapshotRecorder.record(request, in: locked)
        }
        journal.preRestoreSnapshots[manager.name] = record.id
    }

    /// Where `manager`'s files go in this restore: the store's rescue folder for a manager on
    /// snap's host, a folder beside its Mnesia directory on another.
    func rescue(of manager: any ManagerHost) -> String { manager.rescueDirectory(for: layout) }

    /// What the target's directory was, or (journals of earlier versions) what it is now.
    func original(_ manager: any ManagerHost) throws -> TargetDirectory {
        if let original = journal.originals?[manager.name] { return original }
        return try manager.surveyMnesia()
    }
}
