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

    /// Writes a journal atomically.
    public func save(_ journal: RestoreJournal) throws {
        try FileOps.makeDirectory(restoreDirectory(journal.plan.id))
        try FileOps.writeAtomically(
            try JSONCoding.encode(journal), to: restoreDirectory(journal.plan.id) + "/journal.json")
    }

    /// Reads the journal of restore `id`.
    /// - Throws: ``RestoreError/noJournal(id:)``, or ``StoreError/corruptFile(path:detail:)``.
    public func journal(_ id: String) throws -> RestoreJournal {
        let path = restoreDirectory(id) + "/journal.json"
        guard FileOps.exists(path) else { throw RestoreError.noJournal(id: id) }
        return try JSONCoding.decode(RestoreJournal.self, from: try FileOps.readFile(path), path: path)
    }

    /// Restores that are not completed or rolled back; damaged journals count as unfinished.
    public func unfinishedRestores() -> [String] {
        guard let names = try? FileOps.listDirectory(restoresDirectory) else { return [] }
        return names.filter { name in
            guard FileOps.exists(restoreDirectory(name) + "/journal.json") else { return false }
            guard let journal = try? journal(name) else { return true }
            return journal.phase.isUnfinished
        }
    }
}
