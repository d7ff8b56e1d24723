import Foundation
import Glibc
import Logging

/// Carries out a ``RestorePlan`` step by step, journaling each step before and after it
/// runs, and rolls back when a step fails after files were moved.
public struct RestoreExecutor {
    public let store: Store
    public let lock: StoreLock
    public let snapshot: SnapshotRecord
    /// Every manager of the pair by name.
    public let nodes: [String: ManagerNode]
    public let runner: any CommandRunning
    public let logger: Logger
    /// Called as each step starts and ends, for progress output.
    public var progress: (RestoreStep, RestoreJournal.StepState) -> Void = { _, _ in }
    public private(set) var journal: RestoreJournal

    public init(
        store: Store, lock: StoreLock, snapshot: SnapshotRecord, nodes: [ManagerNode], journal: RestoreJournal,
        runner: any CommandRunning = CommandRunner(), logger: Logger
    ) {
        self.store = store
        self.lock = lock
        self.snapshot = snapshot
        self.nodes = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.journal = journal
        self.runner = runner
        self.logger = logger
    }

    private var rescueRoot: String { store.restoreDirectory(journal.plan.id) + "/rescue" }

    /// Runs every step not yet finished (a step that was started and interrupted runs again).
    /// On failure: rolls back when anything was moved, and throws what happened.
    public mutating func run() throws {
        for index in journal.states.indices where journal.states[index] != .finished {
            let step = journal.plan.steps[index]
            try mark(index, .started)
            if let kill = ProcessInfo.processInfo.environment["SNAP_DEBUG_KILL_AT_STEP"], Int(kill) == step.number {
                raise(SIGKILL)  // lets tests interrupt a restore at an exact step
            }
            do {
                try perform(step.action)
                try mark(index, .finished)
            } catch {
                try? mark(index, .failed)
                let failure = RestoreError.stepFailed(step: step.number, title: step.title, cause: "\(error)")
                    .description
                journal.failure = failure
                guard movedAnything else {
                    journal.phase = .rolledBack
                    try? store.save(journal)
                    throw RestoreError.stepFailed(step: step.number, title: step.title, cause: "\(error)")
                }
                try rollback(after: failure)
            }
        }
        journal.phase = .completed
        try store.save(journal)
    }

    /// Puts the pair back as it was: stop both, the rescued files back in place, the old conf
    /// files back, start both.
    /// - Throws: ``RestoreError/rolledBack(id:failure:rescue:)`` when it worked (exit 5), or
    ///   ``RestoreError/rollbackFailed(id:failure:rollback:rescue:)``.
    public mutating func rollback(after failure: String) throws {
        journal.phase = .rollingBack
        try store.save(journal)
        do {
            for name in journal.plan.pair {
                let control = ManagerControl(try node(name), runner: runner)
                if try control.isRunning() { try control.stop() }
            }
            for name in journal.plan.targets where journal.state(of: .rescue(node: name)) != .pending {
                try putBack(try node(name), clear: journal.state(of: .rescue(node: name)) == .finished)
            }
            for backup in journal.confBackups.values where FileOps.exists(backup.backup) {
                try FileOps.rename(backup.backup, to: backup.file)
            }
            for name in journal.plan.pair { try ManagerControl(try node(name), runner: runner).start() }
            for name in journal.plan.pair { try ManagerControl(try node(name), runner: runner).waitReady() }
        } catch {
            journal.phase = .rollbackFailed
            try? store.save(journal)
            throw RestoreError.rollbackFailed(
                id: journal.plan.id, failure: failure, rollback: "\(error)", rescue: rescueRoot)
        }
        journal.phase = .rolledBack
        try store.save(journal)
        throw RestoreError.rolledBack(id: journal.plan.id, failure: failure, rescue: rescueRoot)
    }

    /// True once any target's files started moving.
    private var movedAnything: Bool {
        journal.plan.targets.contains { journal.state(of: .rescue(node: $0)) != .pending }
    }

    private mutating func mark(_ index: Int, _ state: RestoreJournal.StepState) throws {
        journal.states[index] = state
        journal.updated = Date()
        try store.save(journal)
        progress(journal.plan.steps[index], state)
    }

    private func node(_ name: String) throws -> ManagerNode {
        guard let node = nodes[name] else { throw LeoFSError.unknownManager(name, known: nodes.keys.sorted()) }
        return node
    }

    private mutating func perform(_ action: RestoreAction) throws {
        switch action {
        case let .stop(name):
            let control = ManagerControl(try node(name), runner: runner)
            if try control.isRunning() { try control.stop() }
        case let .confirmDown(name):
            let manager = try node(name)
            if try ManagerControl(manager, runner: runner).isRunning()
                || !ErlangProcesses.running(nodename: manager.nodename).isEmpty
            {
                throw LeoFSError.stillRunning(node: name)
            }
        case let .rescue(name):
            try rescue(try node(name))
        case let .recordPreRestore(name):
            guard journal.preRestoreSnapshots[name] == nil else { return }
            let manager = try node(name)
            var request = CaptureRequest(
                node: name, sources: BundleSources(mnesiaDirectory: rescueRoot + "/" + name), mode: .cold,
                tags: ["pre-restore"], note: "files of \(name) before restore \(journal.plan.id)", role: manager.role,
                cluster: manager.cluster, partner: manager.partner, compression: .standard)
            request.nodename = manager.nodename
            request.requiresMnesiaSchema = false  // a rollback needs whatever the manager held, even nothing
            let record = try CreateOperation.capture(request, in: store, lock: lock, logger: logger)
            journal.preRestoreSnapshots[name] = record.id
        case let .unpack(name):
            try unpack(into: try node(name))
        case let .swapIn(name):
            try swapIn(try node(name))
        case let .setPartner(name, partner):
            let manager = try node(name)
            let conf = try ManagerConf.load(home: manager.home)
            let file = conf.origins["manager.partner"]?.path ?? manager.home + "/etc/leo_manager.conf"
            let backup = file + ".before-restore-" + journal.plan.id
            journal.confBackups[name] = .init(file: file, backup: backup)
            try store.save(journal)
            try ConfEditor.set("manager.partner", to: partner, in: file, backup: backup)
        case let .start(name):
            try ManagerControl(try node(name), runner: runner).start()
        case let .waitReady(name):
            try ManagerControl(try node(name), runner: runner).waitReady()
        case let .checkStatus(name):
            let status = ClusterStatus(parsing: try ConsoleClient(try node(name)).send("status"))
            if let expected = snapshot.ringHashes?.current, let found = status.currentRingHash, expected != found {
                throw RestoreCheckFailed(detail: "\(name) reports ring-hash \(found), the snapshot had \(expected)")
            }
            if status.currentRingHash == nil { throw RestoreCheckFailed(detail: "\(name): status shows no ring-hash") }
        case let .loadDump(name):
            let manager = try node(name)
            try manager.withPrivateDumpPath { path in
                try SnapshotContent.unpackDump(of: snapshot, from: store, to: path)
                try ManagerControl(manager, runner: runner).load(from: path)
            }
        case let .updateManagers(name, master, slave):
            let reply = try ConsoleClient(try node(name)).send("update-managers \(master) \(slave)")
            guard reply.trimmingCharacters(in: .whitespacesAndNewlines) == "OK" else {
                throw RestoreCheckFailed(
                    detail: "update-managers answered \(reply.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        case let .compareTables(name):
            let manager = try node(name)
            let live = try manager.withPrivateDumpPath { path in
                try ManagerControl(manager, runner: runner).dump(to: path)
                return try MnesiaDump.parse(contentsOf: path).summaries
            }
            journal.findings = TableComparison.differences(expected: snapshot.tables ?? [], found: live)
        }
    }

    /// Moves everything in the node's Mnesia directory to the rescue area.
    private func rescue(_ manager: ManagerNode) throws {
        let destination = rescueRoot + "/" + manager.name
        try FileOps.makeDirectory(rescueRoot)
        try FileOps.makeDirectory(destination)
        for name in try FileOps.listDirectory(manager.mnesiaDirectory) {
            try FileOps.move(manager.mnesiaDirectory + "/" + name, to: destination + "/" + name)
        }
        try FileOps.syncDirectory(destination)
        try FileOps.syncDirectory(manager.mnesiaDirectory)
    }

    /// Moves the rescued files back; `clear` first removes what the restore put there.
    private func putBack(_ manager: ManagerNode, clear: Bool) throws {
        try? FileOps.removeTree(staging(manager))
        if !FileOps.exists(manager.mnesiaDirectory) { try FileOps.makeDirectory(manager.mnesiaDirectory) }
        if clear {
            for name in try FileOps.listDirectory(manager.mnesiaDirectory) {
                try FileOps.removeTree(manager.mnesiaDirectory + "/" + name)
            }
        }
        let source = rescueRoot + "/" + manager.name
        for name in (try? FileOps.listDirectory(source)) ?? [] {
            try FileOps.move(source + "/" + name, to: manager.mnesiaDirectory + "/" + name)
        }
        try FileOps.syncDirectory(manager.mnesiaDirectory)
    }

    private func staging(_ manager: ManagerNode) -> String { manager.mnesiaDirectory + ".snap-staging" }

    /// Unpacks the snapshot's `mnesia/` into a staging directory beside the target, fsynced
    /// and owned like the target.
    private func unpack(into manager: ManagerNode) throws {
        let staging = staging(manager)
        try FileOps.removeTree(staging)
        try FileOps.makeDirectory(staging)
        try SnapshotContent.unpackMnesia(of: snapshot, from: store, to: staging)
        if let owner = try FileOps.status(manager.mnesiaDirectory) {
            try FileOps.chownTree(staging, uid: owner.st_uid, gid: owner.st_gid)
            chmod(staging, owner.st_mode & 0o7777)
        }
        try FileOps.syncTree(staging)
    }

    /// Renames the staging directory into place (the target is empty after the rescue).
    private func swapIn(_ manager: ManagerNode) throws {
        let staging = staging(manager)
        guard FileOps.exists(staging) else { return }  // done before an interruption
        if FileOps.exists(manager.mnesiaDirectory) {
            guard try FileOps.listDirectory(manager.mnesiaDirectory).isEmpty else {
                throw RestoreCheckFailed(
                    detail: "\(manager.mnesiaDirectory) is not empty after the rescue; something else wrote there")
            }
            if rmdir(manager.mnesiaDirectory) != 0 {
                throw SystemError("remove directory", manager.mnesiaDirectory, .last)
            }
        }
        try FileOps.rename(staging, to: manager.mnesiaDirectory)
        try FileOps.syncDirectory((manager.mnesiaDirectory as NSString).deletingLastPathComponent)
    }
}

/// A check after a restore step did not hold.
public struct RestoreCheckFailed: SnapFailure {
    public var detail: String
    public init(detail: String) { self.detail = detail }
    public var description: String { detail }
}
