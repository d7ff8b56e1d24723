/// Why a restore was refused, failed, or rolled back.
package enum RestoreError: SnapFailure {
    case notInPair(node: String, nodename: String, pair: [String], snapshot: String)
    case pairUnknown(snapshot: String)
    case partnerUnknown(node: String)
    case noDump(snapshot: String)
    case loadNeedsPair(pair: [String])
    case snapshotDamaged(snapshot: String, problem: String)
    /// The snapshot could not be read for want of scratch space (a delta's archives).
    case unreadable(snapshot: String, cause: String)
    case noSpace(path: String, needed: Int64, available: Int64)
    case needsConfirmation
    case declined
    case noSchema(snapshot: String)
    case unfinished(id: String)
    case blocks(id: String, command: String, nodes: [String])
    case noJournal(id: String)
    case malformedId(String)
    case ambiguousId(String, matches: [String])
    case finished(id: String, phase: String)
    case completedCannotRollBack(id: String, preRestore: [String: String])
    case snapshotChanged(ref: String, confirmed: String, now: String)
    case consoleUnreachable(node: String, address: String, cause: String)
    case stepFailed(step: Int, title: String, cause: String)
    case rolledBack(id: String, failure: String, whereabouts: String)
    case rollbackFailed(id: String, failure: String, rollback: String, whereabouts: String)
    /// Rolled back on every host it could reach; `unreachable` names the managers (and their
    /// hosts) still to be rolled back.
    case rolledBackExcept(id: String, failure: String, unreachable: [String], whereabouts: String)

    package var exitStatus: ExitStatus {
        switch self {
        case .needsConfirmation, .malformedId: return .usage
        case .snapshotDamaged: return .verificationFailed
        case .rolledBack, .rolledBackExcept: return .restoreRolledBack
        case .unfinished, .blocks: return .restoreUnfinished
        default: return .error
        }
    }

    /// What finishes restore `id`, for every message that names an unfinished one.
    static func finishing(_ id: String) -> String {
        "finish it with \(Remedy.resumeRestore(id)) or undo it with \(Remedy.rollBackRestore(id))"
    }

    package var description: String {
        switch self {
        case let .notInPair(node, nodename, pair, snapshot):
            return
                "\(node) is \(nodename), which is not in the pair of snapshot \(snapshot) (\(pair.joined(separator: ", "))); "
                + "Mnesia files carry their node names and would never load there. Use \(Remedy.loadMode) (Case 2: fresh schema, load the dump)"
        case let .pairUnknown(snapshot):
            return
                "snapshot \(snapshot) does not record its node names (made with \(Remedy.fromDirectory)); use \(Remedy.loadMode)"
        case let .partnerUnknown(node):
            return
                "\(node) has no manager.partner in its conf (nor `partner` in snap.yaml); the pair must be known before a restore"
        case let .noDump(snapshot):
            return
                "snapshot \(snapshot) has no dump, which \(Remedy.loadMode) needs; pick a snapshot taken in auto or dump mode"
        case let .loadNeedsPair(pair):
            return
                "\(Remedy.loadMode) builds a fresh schema for the whole pair: pass \(Remedy.target(nil)) for both managers (\(pair.joined(separator: ", ")))"
        case let .snapshotDamaged(snapshot, problem):
            return "snapshot \(snapshot) does not verify: \(problem); nothing was touched, pick another snapshot"
        case let .unreadable(snapshot, cause):
            return "snapshot \(snapshot) could not be read to check it, so nothing was touched: \(cause)"
        case let .noSpace(path, needed, available):
            return
                "\(path) has \(available) bytes free, the restore needs \(needed); free space first, nothing was touched"
        case .needsConfirmation:
            return
                "restore changes the managers: review the plan with \(Remedy.dryRun), then pass \(Remedy.confirm) (no terminal to ask on)"
        case .declined:
            return "restore not confirmed; nothing was touched"
        case let .noSchema(snapshot):
            return
                "snapshot \(snapshot) holds no Mnesia schema (mnesia/schema.DAT), so its files cannot be copied back; "
                + "pick another snapshot, or one with a dump and \(Remedy.loadMode)"
        case let .unfinished(id):
            return "restore \(id) is unfinished: \(Self.finishing(id))"
        case let .blocks(id, command, nodes):
            return
                "\(command) refused: restore \(id) of \(nodes.joined(separator: ", ")) is unfinished, and the managers may "
                + "hold neither their old files nor the snapshot's; \(Self.finishing(id)), then run \(command) again"
        case let .noJournal(id):
            return "no restore \(id) in this store (see restores/)"
        case let .malformedId(text):
            return
                "\(text.debugDescription) is not a restore id (hexadecimal, as printed by snap restore and in restores/)"
        case let .ambiguousId(text, matches):
            return "restore id \(text) is ambiguous, it matches: \(matches.joined(separator: ", ")); type more of it"
        case let .finished(id, phase):
            return "restore \(id) is already \(phase)"
        case let .completedCannotRollBack(id, preRestore):
            let undo = preRestore.sorted { $0.key < $1.key }.map {
                Remedy.restore(snapshot: $0.value, to: $0.key).description
            }
            return
                "restore \(id) completed, so there is nothing to roll back; to return to the files it replaced, restore "
                + "its pre-restore snapshots: "
                + (undo.isEmpty ? "it recorded none (the directories were empty)" : undo.joined(separator: "; "))
        case let .snapshotChanged(ref, confirmed, now):
            return
                "\(ref) named snapshot \(confirmed) when the plan was shown and names \(now) now (a snapshot was made or "
                + "removed meanwhile); nothing was touched: review the plan again"
        case let .consoleUnreachable(node, address, cause):
            return
                "the console of \(node) at \(address) does not answer (\(cause)); the restore checks it at the end, so it "
                + "was refused before any manager was stopped: fix console_port/console_host (snap.yaml or "
                + "leo_manager.conf) and run it again"
        case let .stepFailed(step, title, cause):
            return "step \(step) (\(title)) failed: \(cause)"
        case let .rolledBack(id, failure, whereabouts):
            return
                "restore \(id) failed and was rolled back: \(failure). The managers run on their previous files again: "
                + whereabouts
        case let .rolledBackExcept(id, failure, unreachable, whereabouts):
            return
                "restore \(id) failed (\(failure)) and was rolled back on every host snap could reach, but not on "
                + "\(unreachable.joined(separator: ", ")). \(whereabouts). Once that host is reachable, run "
                + "\(Remedy.rollBackRestore(id)), which finishes what is left"
        case let .rollbackFailed(id, failure, rollback, whereabouts):
            return
                "restore \(id) failed (\(failure)) and so did its rollback (\(rollback)). \(whereabouts). Fix the cause "
                + "and run \(Remedy.rollBackRestore(id)), which finishes what is left"
        }
    }
}
