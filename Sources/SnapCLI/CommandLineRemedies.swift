import SnapKit

extension Remedy {
    /// The remedies as snap's command line spells them: its commands and flags.
    static func commandLine(_ remedy: Remedy) -> String {
        switch remedy {
        case .coldMode: "--mode cold"
        case .fromDirectory: "--from-dir"
        case let .captureDirectory(path): "snap create --from-dir \(path)"
        case .allowIncomplete: "--allow-incomplete"
        case .configPath: "--config PATH"
        case .policyPath: "--policy PATH"
        case .storePath: "--store PATH"
        case .waitForLock: "--wait SECONDS"
        case let .initStore(path): "`snap init --store \(path)`"
        case let .verify(id?): "`snap verify \(id)`"
        case .verify(nil): "`snap verify`"
        case .verifyAll: "`snap verify --all`"
        case let .list(tag?): "`snap list --tag \(tag)`"
        case .list(nil): "`snap list`"
        case .prune: "`snap prune`"
        case let .resumeRestore(id): "`snap restore --resume \(id)`"
        case let .rollBackRestore(id): "`snap restore --rollback \(id)`"
        case let .continueRollback(id): "--rollback \(id)"
        case let .restore(snapshot, manager): "snap restore \(snapshot) --to \(manager)"
        case .copyMode: "--mode copy"
        case .loadMode: "--mode load"
        case let .target(name?): "--to \(name)"
        case .target(nil): "--to"
        case .dryRun: "--dry-run"
        case .confirm: "--yes"
        case .auditVerify: "`snap audit verify`"
        case .history: "`snap history`"
        case let .verifyRemote(name): "`snap verify --remote \(name)`"
        case let .copyAll(name): "`snap copy --to \(name) --all`"
        case .reseed: "--reseed"
        }
    }
}
