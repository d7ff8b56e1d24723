import Crypto
import Foundation

/// `restores/<id>/journal.json`: the plan and how far it got, written before and after
/// every step so that a killed restore can be resumed or rolled back.
package struct RestoreJournal: Codable, Sendable {
    /// Where the restore stands.
    package enum Phase: String, Codable, Sendable {
        case running, completed, rollingBack = "rolling-back", rolledBack = "rolled-back"
        case rollbackFailed = "rollback-failed"

        /// True while the managers may be between two states.
        var isUnfinished: Bool { self == .running || self == .rollingBack || self == .rollbackFailed }
    }

    /// The state of one step.
    package enum StepState: String, Codable, Sendable {
        case pending, started, finished, failed
    }

    package var plan: RestorePlan
    package var phase: Phase
    package var states: [StepState]
    package var started: Date
    var updated: Date
    /// Pre-restore snapshot id by manager.
    var preRestoreSnapshots: [String: String]
    /// Conf file backups by manager: the file edited and its backup.
    package var confBackups: [String: ConfBackup]
    /// What went wrong, when something did.
    package var failure: String?
    /// Findings of the checks (tables that differ, ...).
    package var findings: [String]
    /// What each target's Mnesia directory was before anything moved: written before the
    /// rescue moves its first file, so a rollback knows what to put back (owner, mode, or
    /// that there was no directory). Nil in journals of earlier versions.
    package var originals: [String: TargetDirectory]?
    /// Targets whose previous files a rollback has put back in place: a rollback run again
    /// leaves them alone. Nil in journals of earlier versions.
    var returned: [String]?
    /// True once the rescued files were removed, after every pre-restore snapshot verified.
    var rescueReleased: Bool?
    /// Case 2: the tables of the fresh schema just before the dump was loaded into it.
    package var freshSchema: [TableSummary]?
    /// SHA-256 of the journal's canonical JSON without this field, set by
    /// ``Store/save(_:)``. A journal decides which files a resume or a rollback moves, so
    /// one that was edited or damaged is refused, never followed.
    package var checksum: String?

    package init(plan: RestorePlan, now: Date) {
        self.plan = plan
        self.phase = .running
        self.states = plan.steps.map { _ in .pending }
        self.started = now
        self.updated = now
        self.preRestoreSnapshots = [:]
        self.confBackups = [:]
        self.failure = nil
        self.findings = []
        self.originals = [:]
        self.returned = []
        self.checksum = nil
    }

    /// True once the rescue of `node` began to move files (or to record that there were none).
    func rescueBegan(_ node: String) -> Bool {
        originals?[node] != nil || state(of: .rescue(node: node)) != .pending
    }

    /// True once a rollback put the previous files of `node` back in place.
    func hasReturned(_ node: String) -> Bool { returned?.contains(node) == true }

    /// True once anything may have written into the live Mnesia directory of `node` after
    /// its rescue: the snapshot's files were renamed into place, or a manager was started.
    package func liveWasReplaced(_ node: String) -> Bool {
        zip(plan.steps, states).contains { step, state in
            guard state != .pending else { return false }
            switch step.action {
            case .swapIn(let name): return name == node
            case .start: return true
            default: return false
            }
        }
    }

    /// The checksum this journal must carry.
    func computedChecksum() throws -> String {
        var unsealed = self
        unsealed.checksum = nil
        return SHA256.hex(of: try JSONCoding.encode(unsealed))
    }

    /// State of the step whose action is `action`.
    package func state(of action: RestoreAction) -> StepState {
        guard let index = plan.steps.firstIndex(where: { $0.action == action }) else { return .pending }
        return states[index]
    }
}

extension LockedStore {
    /// Writes a journal atomically, sealed with its checksum.
    package func save(_ journal: RestoreJournal) throws {
        var sealed = journal
        sealed.checksum = try journal.computedChecksum()
        let layout = RestoreLayout(store: store, id: journal.plan.id)
        try FileOps.makeDirectory(layout.directory)
        try FileOps.writeAtomically(try JSONCoding.encode(sealed), to: layout.journal)
    }
}

extension Store {
    /// `restores/<id>`.
    func restoreDirectory(_ id: String) -> String { restoresDirectory + "/" + id }

    /// Reads the journal of restore `id` and checks its checksum.
    /// - Throws: ``RestoreError/noJournal(id:)`` when there is no such restore, or
    ///   ``StoreError/corruptFile(path:detail:)`` when its journal is missing, damaged or edited.
    package func journal(_ id: String) throws -> RestoreJournal {
        let path = RestoreLayout(store: self, id: id).journal
        guard FileOps.exists(path) else {
            guard FileOps.exists(restoreDirectory(id)) else { throw RestoreError.noJournal(id: id) }
            throw StoreError.corruptFile(path: path, detail: "it is missing; \(journalAdvice(id))")
        }
        do {
            let journal = try JSONCoding.decode(RestoreJournal.self, from: try FileOps.readFile(path), path: path)
            guard let checksum = journal.checksum else {
                throw StoreError.corruptFile(path: path, detail: "it carries no checksum")
            }
            guard checksum == (try journal.computedChecksum()) else {
                throw StoreError.corruptFile(
                    path: path, detail: "its checksum does not match its content: it was edited or damaged")
            }
            return journal
        } catch StoreError.corruptFile(let path, let detail) {
            throw StoreError.corruptFile(path: path, detail: "\(detail); \(journalAdvice(id))")
        }
    }

    /// What the operator can still do when snap cannot follow a restore's journal.
    private func journalAdvice(_ id: String) -> String {
        "snap will not resume or roll back restore \(id) without it. To undo it by hand: stop the managers, move "
            + "the Mnesia files it set aside in \(restoreDirectory(id))/rescue/<node>/ back, put each conf file "
            + "saved as <file>.before-restore-\(id) back over <file>, start the managers, then move "
            + "\(restoreDirectory(id)) out of the store. Where rescue/ is empty, the files are back in place already or "
            + "in the pre-restore snapshots noted \"before restore \(id)\" (\(Remedy.list(tag: "pre-restore")))"
    }

    /// Restores that are not completed or rolled back; damaged journals count as unfinished,
    /// and so do missing ones when files were rescued.
    package func unfinishedRestores() -> [String] {
        guard let names = try? FileOps.listDirectory(restoresDirectory) else { return [] }
        return names.filter { name in
            let layout = RestoreLayout(store: self, id: name)
            guard FileOps.exists(layout.journal) else { return FileOps.exists(layout.rescueRoot) }
            guard let journal = try? journal(name) else { return true }
            return journal.phase.isUnfinished
        }
    }
}

extension Store {
    /// The restore named by `text`: a full id or a unique prefix of one (at least 4
    /// characters) among the folders of `restores/`.
    /// - Throws: ``RestoreError/malformedId(_:)`` for anything that is not hexadecimal (a
    ///   path, a snapshot ref), ``RestoreError/noJournal(id:)`` or
    ///   ``RestoreError/ambiguousId(_:matches:)``.
    func resolveRestore(_ text: String) throws -> String {
        let id = text.lowercased()
        guard id.count >= 4, id.count <= 64, id.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            throw RestoreError.malformedId(text)
        }
        let names = ((try? FileOps.listDirectory(restoresDirectory)) ?? []).filter { $0.hasPrefix(id) }
        if names.contains(id) { return id }
        guard let only = names.first else { throw RestoreError.noJournal(id: text) }
        guard names.count == 1 else { throw RestoreError.ambiguousId(text, matches: names.sorted()) }
        return only
    }

    /// Unfinished restores with their journals (nil for a journal that cannot be read,
    /// which is treated as touching every manager).
    func unfinishedRestoreJournals() -> [(id: String, journal: RestoreJournal?)] {
        unfinishedRestores().map { id in (id, try? journal(id)) }
    }

    /// Snapshots an unfinished restore still needs, by id, with the reason: the snapshot it
    /// restores and the pre-restore snapshots holding the managers' previous files.
    func heldByRestores() -> [String: String] {
        var held: [String: String] = [:]
        for (id, journal) in unfinishedRestoreJournals() {
            guard let journal else { continue }
            held[journal.plan.snapshot] = "restored by unfinished restore \(id)"
            for snapshot in journal.preRestoreSnapshots.values {
                held[snapshot] = "previous files of unfinished restore \(id)"
            }
        }
        return held
    }
}

extension Store {
    /// Rescue folders left by restores that are over: kept because a pre-restore snapshot
    /// did not verify, or by a restore of an earlier version. By restore id.
    package func remainingRescues() -> [(id: String, path: String)] {
        let unfinished = Set(unfinishedRestores())
        let names = ((try? FileOps.listDirectory(restoresDirectory)) ?? []).sorted()
        return names.filter { !unfinished.contains($0) }.compactMap { id in
            let path = RestoreLayout(store: self, id: id).rescueRoot
            return FileOps.exists(path) ? (id, path) : nil
        }
    }
}

extension LockedStore {
    /// Refuses `command` while a restore touching any of `nodes` is unfinished (nil: any
    /// restore at all). Holding the lock, no restore starts in between.
    /// - Throws: ``RestoreError/blocks(id:command:nodes:)`` (exit 6).
    func refuseWhileRestoring(_ command: String, nodes: [String]?) throws {
        for (id, journal) in store.unfinishedRestoreJournals() {
            let pair = journal?.plan.pair ?? []
            if let nodes, let journal, !journal.plan.pair.contains(where: nodes.contains) { continue }
            throw RestoreError.blocks(id: id, command: command, nodes: pair.isEmpty ? ["the managers"] : pair)
        }
    }
}
