import Crypto
import Foundation

/// `restores/<id>/journal.json`: the plan and how far it got, written before and after
/// every step so that a killed restore can be resumed or rolled back.
public struct RestoreJournal: Codable, Sendable {
    /// Where the restore stands.
    public enum Phase: String, Codable, Sendable {
        case running, completed, rollingBack = "rolling-back", rolledBack = "rolled-back"
        case rollbackFailed = "rollback-failed"

        /// True while the managers may be between two states.
        public var isUnfinished: Bool { self == .running || self == .rollingBack || self == .rollbackFailed }
    }

    /// The state of one step.
    public enum StepState: String, Codable, Sendable {
        case pending, started, finished, failed
    }

    public var plan: RestorePlan
    public var phase: Phase
    public var states: [StepState]
    public var started: Date
    public var updated: Date
    /// Pre-restore snapshot id by manager.
    public var preRestoreSnapshots: [String: String]
    /// Conf file backups by manager: the file edited and its backup.
    public var confBackups: [String: ConfBackup]
    /// What went wrong, when something did.
    public var failure: String?
    /// Findings of the checks (tables that differ, ...).
    public var findings: [String]
    /// SHA-256 of the journal's canonical JSON without this field, set by
    /// ``Store/save(_:)``. A journal decides which files a resume or a rollback moves, so
    /// one that was edited or damaged is refused, never followed.
    public var checksum: String?

    /// A conf file edited by the restore and the copy of its old content.
    public struct ConfBackup: Codable, Sendable, Equatable {
        public var file: String
        public var backup: String
    }

    public init(plan: RestorePlan, now: Date) {
        self.plan = plan
        self.phase = .running
        self.states = plan.steps.map { _ in .pending }
        self.started = now
        self.updated = now
        self.preRestoreSnapshots = [:]
        self.confBackups = [:]
        self.failure = nil
        self.findings = []
        self.checksum = nil
    }

    /// The checksum this journal must carry.
    func computedChecksum() throws -> String {
        var unsealed = self
        unsealed.checksum = nil
        return SHA256.hex(of: try JSONCoding.encode(unsealed))
    }

    /// State of the step whose action is `action`.
    public func state(of action: RestoreAction) -> StepState {
        guard let index = plan.steps.firstIndex(where: { $0.action == action }) else { return .pending }
        return states[index]
    }
}

extension Store {
    /// `restores/<id>`.
    public func restoreDirectory(_ id: String) -> String { restoresDirectory + "/" + id }

    /// Writes a journal atomically, sealed with its checksum.
    public func save(_ journal: RestoreJournal) throws {
        var sealed = journal
        sealed.checksum = try journal.computedChecksum()
        try FileOps.makeDirectory(restoreDirectory(journal.plan.id))
        try FileOps.writeAtomically(
            try JSONCoding.encode(sealed), to: restoreDirectory(journal.plan.id) + "/journal.json")
    }

    /// Reads the journal of restore `id` and checks its checksum.
    /// - Throws: ``RestoreError/noJournal(id:)`` when there is no such restore, or
    ///   ``StoreError/corruptFile(path:detail:)`` when its journal is missing, damaged or edited.
    public func journal(_ id: String) throws -> RestoreJournal {
        let path = restoreDirectory(id) + "/journal.json"
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
            + "\(restoreDirectory(id)) out of the store"
    }

    /// Restores that are not completed or rolled back; damaged journals count as unfinished,
    /// and so do missing ones when files were rescued.
    public func unfinishedRestores() -> [String] {
        guard let names = try? FileOps.listDirectory(restoresDirectory) else { return [] }
        return names.filter { name in
            guard FileOps.exists(restoreDirectory(name) + "/journal.json") else {
                return FileOps.exists(restoreDirectory(name) + "/rescue")
            }
            guard let journal = try? journal(name) else { return true }
            return journal.phase.isUnfinished
        }
    }
}
