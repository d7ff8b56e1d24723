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
public struct RestoreExecutor {
    /// The store, held: the journal, the pre-restore snapshots and their verdicts are written.
    public let locked: LockedStore
    /// The snapshot being restored; nil when it is gone, which only a rollback can live with.
    public let snapshot: SnapshotRecord?
    /// Every manager of the pair by name.
    public let nodes: [String: ManagerNode]
    public let runner: any CommandRunning
    /// Called as each step starts and ends, for progress output.
    public var progress: (RestoreStep, RestoreJournal.StepState) -> Void = { _, _ in }
    /// Test-only: the step number at whose start the process kills itself (SIGKILL).
    public var killAtStep: Int?
    public internal(set) var journal: RestoreJournal

    public init(
        store locked: LockedStore, snapshot: SnapshotRecord?, nodes: [ManagerNode], journal: RestoreJournal,
        runner: any CommandRunning = CommandRunner()
    ) {
        self.locked = locked
        self.snapshot = snapshot
        self.nodes = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.journal = journal
        self.runner = runner
        self.killAtStep = locked.invocation.hooks.killAtStep
    }

    var store: Store { locked.store }
    var logger: Logger { locked.logger }

    var layout: RestoreLayout { RestoreLayout(store: store, id: journal.plan.id) }

    /// Runs every step not yet finished (a step that was started and interrupted runs again).
    /// On failure: rolls back when anything was moved, and throws what happened.
    public mutating func run() throws {
        for index in journal.states.indices where journal.states[index] != .finished {
            let step = journal.plan.steps[index]
            try mark(index, .started)
            if killAtStep == step.number { raise(SIGKILL) }
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
                try ManagerControl(try node(name), runner: runner).startAndWait()
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
            + "`snap restore --resume \(id)` or undo it with `snap restore --rollback \(id)`"
    }

    mutating func mark(_ index: Int, _ state: RestoreJournal.StepState) throws {
        journal.states[index] = state
        journal.updated = Date()
        try locked.save(journal)
        progress(journal.plan.steps[index], state)
    }

    func node(_ name: String) throws -> ManagerNode {
        guard let node = nodes[name] else { throw LeoFSError.unknownManager(name, known: nodes.keys.sorted()) }
        return node
    }

    /// The snapshot, which every forward step but the rescue needs.
    private func restoredSnapshot() throws -> SnapshotRecord {
        guard let snapshot else {
            throw RestoreCheckFailed(
                detail: "snapshot \(journal.plan.snapshot) is no longer in the store, so restore \(journal.plan.id) "
                    + "cannot go on; undo it with `snap restore --rollback \(journal.plan.id)`")
        }
        return snapshot
    }

    private mutating func perform(_ action: RestoreAction) throws {
        switch action {
        case let .stop(name):
            let control = ManagerControl(try node(name), runner: runner)
            if try control.isRunning() { try control.stop() }
        case let .confirmDown(name):
            try confirmDown(try node(name))
        case let .rescue(name):
            try rescue(try node(name))
        case let .recordPreRestore(name):
            try recordPreRestore(try node(name))
        case let .unpack(name):
            try unpack(into: try node(name))
        case let .swapIn(name):
            try swapIn(try node(name))
        case let .setPartner(name, partner):
            let manager = try node(name)
            let conf = try LeoManagerConf.load(home: manager.home)
            let file = conf.origins["manager.partner"]?.path ?? manager.home + "/etc/leo_manager.conf"
            let backup = file + ".before-restore-" + journal.plan.id
            journal.confBackups[name] = .init(file: file, backup: backup)
            try locked.save(journal)
            try ConfEditor.set("manager.partner", to: partner, in: file, backup: backup)
        case let .start(name):
            try ManagerControl(try node(name), runner: runner).start()
        case let .waitReady(name):
            try ManagerControl(try node(name), runner: runner).waitReady()
        case let .checkStatus(name):
            let snapshot = try restoredSnapshot()
            let status = ClusterStatus(parsing: try ConsoleClient(try node(name)).send("status"))
            if let expected = snapshot.ringHashes?.current, let found = status.currentRingHash, expected != found {
                throw RestoreCheckFailed(detail: "\(name) reports ring-hash \(found), the snapshot had \(expected)")
            }
            if status.currentRingHash == nil { throw RestoreCheckFailed(detail: "\(name): status shows no ring-hash") }
        case let .loadDump(name):
            let snapshot = try restoredSnapshot()
            let manager = try node(name)
            let control = ManagerControl(manager, runner: runner)
            if journal.freshSchema == nil {
                // What the fresh schema holds on its own, which the load merges with the dump.
                journal.freshSchema = try manager.withPrivateDumpPath { path in
                    try control.dump(to: path)
                    return try MnesiaDump.parse(contentsOf: path).summaries
                }
                try locked.save(journal)
            }
            try manager.withPrivateDumpPath { path in
                try SnapshotContent.unpackDump(of: snapshot, from: store, to: path)
                try control.load(from: path)
            }
        case let .updateManagers(name, master, slave):
            let reply = try ConsoleClient(try node(name)).send("update-managers \(master) \(slave)")
            guard reply.trimmingCharacters(in: .whitespacesAndNewlines) == "OK" else {
                throw RestoreCheckFailed(
                    detail: "update-managers answered \(reply.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        case let .compareTables(name):
            let snapshot = try restoredSnapshot()
            let manager = try node(name)
            let live = try manager.withPrivateDumpPath { path in
                try ManagerControl(manager, runner: runner).dump(to: path)
                return try MnesiaDump.parse(contentsOf: path).summaries
            }
            journal.findings = TableComparison.differences(
                expected: snapshot.tables ?? [], found: live, freshSchema: journal.freshSchema ?? [])
        }
    }

    /// Down means: `ping` fails and no Erlang VM runs under the node's name.
    func confirmDown(_ manager: ManagerNode) throws {
        if try ManagerControl(manager, runner: runner).isRunning()
            || !ErlangProcesses.running(nodename: manager.nodename).isEmpty
        {
            throw LeoFSError.stillRunning(node: manager.name)
        }
    }

    /// Moves everything in the node's Mnesia directory to the rescue area, after writing
    /// down what the directory was (owner, mode, or missing) in the journal.
    private mutating func rescue(_ manager: ManagerNode) throws {
        let live = manager.mnesiaDirectory
        if journal.originals?[manager.name] == nil {
            var originals = journal.originals ?? [:]
            originals[manager.name] = try TargetDirectory.survey(live)
            journal.originals = originals
            try locked.save(journal)
        }
        let destination = layout.rescue(manager.name)
        try FileOps.makeDirectory(layout.rescueRoot)
        try FileOps.makeDirectory(destination)
        if FileOps.exists(live) {
            for name in try FileOps.listDirectory(live) {
                try FileOps.move(live + "/" + name, to: destination + "/" + name)
            }
            try FileOps.syncDirectory(live)
        }
        try FileOps.syncDirectory(destination)
        let (files, bytes) = try TargetDirectory.contentSize(destination)
        journal.originals?[manager.name]?.files = files
        journal.originals?[manager.name]?.bytes = bytes
    }

    /// The note that names a restore's pre-restore snapshot of `node`.
    func preRestoreNote(_ node: String) -> String { "files of \(node) before restore \(journal.plan.id)" }

    /// Records the rescued files as a `pre-restore` snapshot; a rescue that holds nothing (a
    /// missing or empty directory) is no snapshot. A record made before a kill is reused.
    private mutating func recordPreRestore(_ manager: ManagerNode) throws {
        guard journal.preRestoreSnapshots[manager.name] == nil else { return }
        let rescued = layout.rescue(manager.name)
        guard try !FileOps.listDirectory(rescued).isEmpty else {
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
        var request = CaptureRequest(
            node: manager.name, sources: BundleSources(mnesiaDirectory: rescued), mode: .cold,
            tags: ["pre-restore"], note: note, role: manager.role, cluster: manager.cluster,
            partner: manager.partner, compression: .standard)
        request.nodename = manager.nodename
        request.requiresMnesiaSchema = false  // whatever the manager held is what a rollback needs
        let record = try SnapshotRecorder.record(request, in: locked)
        journal.preRestoreSnapshots[manager.name] = record.id
    }

    /// What the target's directory was, or (journals of earlier versions) what it is now.
    func original(_ manager: ManagerNode) throws -> TargetDirectory {
        if let original = journal.originals?[manager.name] { return original }
        return try TargetDirectory.survey(manager.mnesiaDirectory)
    }

    /// Unpacks the snapshot's `mnesia/` into a staging directory beside the target, every
    /// file checked as it is written, fsynced, and owned like the target.
    private func unpack(into manager: ManagerNode) throws {
        let snapshot = try restoredSnapshot()
        let staging = RestoreLayout.staging(manager.mnesiaDirectory)
        try FileOps.removeTree(staging)
        try unpackMnesia(of: snapshot, to: staging, owner: try original(manager))
    }

    /// Unpacks the `mnesia/` files of `record` into a new directory `path`, every file
    /// checked as it is written, then owned and moded like `owner`, and fsynced.
    func unpackMnesia(of record: SnapshotRecord, to path: String, owner: TargetDirectory) throws {
        try owner.makeDirectory(path)
        try SnapshotContent.unpackMnesia(of: record, from: store, to: path)
        try FileOps.chownTree(path, uid: owner.uid, gid: owner.gid)
        try owner.apply(to: path)
        try FileOps.syncTree(path)
    }

    /// Renames the staging directory into place (the target is empty after the rescue).
    private func swapIn(_ manager: ManagerNode) throws {
        let live = manager.mnesiaDirectory
        let staging = RestoreLayout.staging(live)
        guard FileOps.exists(staging) else {
            // Renamed before an interruption: the snapshot's files must be what is in place.
            let snapshot = try restoredSnapshot()
            if let problem = try MnesiaFilesCheck.problem(
                of: live, against: try store.manifest(for: snapshot).manifest, hashes: false)
            {
                throw RestoreCheckFailed(
                    detail: "\(staging) is gone and \(live) does not hold the snapshot's files (\(problem))")
            }
            return
        }
        if FileOps.exists(live) {
            guard try FileOps.listDirectory(live).isEmpty else {
                throw RestoreCheckFailed(detail: "\(live) is not empty after the rescue; something else wrote there")
            }
            if rmdir(live) != 0 { throw SystemError("remove directory", live, .last) }
        }
        try FileOps.rename(staging, to: live)
        try FileOps.syncDirectory((live as NSString).deletingLastPathComponent)
    }
}

/// A check after a restore step did not hold.
public struct RestoreCheckFailed: SnapFailure {
    public var detail: String
    public init(detail: String) { self.detail = detail }
    public var description: String { detail }
}
