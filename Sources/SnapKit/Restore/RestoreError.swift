/// Why a restore was refused, failed, or rolled back.
public enum RestoreError: SnapFailure {
    case notInPair(node: String, nodename: String, pair: [String], snapshot: String)
    case pairUnknown(snapshot: String)
    case partnerUnknown(node: String)
    case noDump(snapshot: String)
    case loadNeedsPair(pair: [String])
    case snapshotDamaged(snapshot: String, problem: String)
    case noSpace(path: String, needed: Int64, available: Int64)
    case needsConfirmation
    case declined
    case unfinished(id: String)
    case noJournal(id: String)
    case finished(id: String, phase: String)
    case stepFailed(step: Int, title: String, cause: String)
    case rolledBack(id: String, failure: String, rescue: String)
    case rollbackFailed(id: String, failure: String, rollback: String, rescue: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .needsConfirmation: return .usage
        case .snapshotDamaged: return .verificationFailed
        case .rolledBack: return .restoreRolledBack
        default: return .error
        }
    }

    public var description: String {
        switch self {
        case let .notInPair(node, nodename, pair, snapshot):
            return
                "\(node) is \(nodename), which is not in the pair of snapshot \(snapshot) (\(pair.joined(separator: ", "))); "
                + "Mnesia files carry their node names and would never load there. Use --mode load (Case 2: fresh schema, load the dump)"
        case let .pairUnknown(snapshot):
            return "snapshot \(snapshot) does not record its node names (made with --from-dir); use --mode load"
        case let .partnerUnknown(node):
            return
                "\(node) has no manager.partner in its conf (nor `partner` in snap.yaml); the pair must be known before a restore"
        case let .noDump(snapshot):
            return
                "snapshot \(snapshot) has no dump, which --mode load needs; pick a snapshot taken in auto or dump mode"
        case let .loadNeedsPair(pair):
            return
                "--mode load builds a fresh schema for the whole pair: pass --to for both managers (\(pair.joined(separator: ", ")))"
        case let .snapshotDamaged(snapshot, problem):
            return "snapshot \(snapshot) does not verify: \(problem); nothing was touched, pick another snapshot"
        case let .noSpace(path, needed, available):
            return
                "\(path) has \(available) bytes free, the restore needs \(needed); free space first, nothing was touched"
        case .needsConfirmation:
            return
                "restore changes the managers: review the plan with --dry-run, then pass --yes (no terminal to ask on)"
        case .declined:
            return "restore not confirmed; nothing was touched"
        case let .unfinished(id):
            return
                "restore \(id) is unfinished: finish it with `snap restore --resume \(id)` or undo it with `snap restore --rollback \(id)`"
        case let .noJournal(id):
            return "no restore \(id) in this store (see restores/)"
        case let .finished(id, phase):
            return "restore \(id) is already \(phase)"
        case let .stepFailed(step, title, cause):
            return "step \(step) (\(title)) failed: \(cause)"
        case let .rolledBack(id, failure, rescue):
            return
                "restore \(id) failed and was rolled back: \(failure). The managers have their previous files again; "
                + "the rescued copy stays in \(rescue)"
        case let .rollbackFailed(id, failure, rollback, rescue):
            return
                "restore \(id) failed (\(failure)) and so did its rollback (\(rollback)). The previous Mnesia files are in "
                + "\(rescue); fix the cause and run `snap restore --rollback \(id)`"
        }
    }
}
