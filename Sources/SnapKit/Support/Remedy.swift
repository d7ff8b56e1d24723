import Synchronization

/// A command or option the operator can use next, as snap's messages advise it.
///
/// The kit names the action; the front end spells it, as a command line spells its
/// commands and flags, by installing ``spelling`` once at startup. Messages keep their
/// verbs ("run \(Remedy.verifyAll)"), so each remedy reads as a noun phrase.
package enum Remedy: Sendable, Equatable, CustomStringConvertible {
    /// Capturing a node by stopping it, copying its files and starting it again.
    case coldMode
    /// Capturing a Mnesia directory that is not a configured node's.
    case fromDirectory
    /// Capturing a copy of `path`, a directory of Mnesia files.
    case captureDirectory(String)
    /// Archiving a Mnesia directory that lacks some of its files, as it is.
    case allowIncomplete
    /// Naming the config file to read.
    case configPath
    /// Naming a policy file by its path.
    case policyPath
    /// Naming the store to use.
    case storePath
    /// Waiting for a store's lock instead of giving up at once.
    case waitForLock
    /// Making a new store at `path`.
    case initStore(String)
    /// Verifying a snapshot by id, or the one at hand when `nil`.
    case verify(String?)
    /// Verifying every snapshot of the store.
    case verifyAll
    /// The store's snapshots, or those with a tag.
    case list(tag: String?)
    /// Removing old snapshots by the policy's retention.
    case prune
    /// Finishing an unfinished restore by id.
    case resumeRestore(String)
    /// Undoing an unfinished restore by id.
    case rollBackRestore(String)
    /// Undoing restore `id`, said to an operator who is restoring already.
    case continueRollback(String)
    /// Restoring one snapshot to one manager.
    case restore(snapshot: String, to: String)
    /// A restore that copies a snapshot's files back.
    case copyMode
    /// A restore that builds a fresh schema and loads the snapshot's dump.
    case loadMode
    /// A manager to restore, by name, or any manager when `nil`.
    case target(String?)
    /// Showing a restore's plan without doing it.
    case dryRun
    /// Confirming a restore without being asked.
    case confirm
    /// Walking the store's audit chain.
    case auditVerify
    /// The store's audit history.
    case history
    /// Checking what remote `name` holds.
    case verifyRemote(String)
    /// Copying every snapshot remote `name` lacks.
    case copyAll(String)
    /// Copying to a remote that holds nothing although snapshots were copied there.
    case reseed

    /// How remedies are written in messages; plain words until a front end installs its own.
    package static var spelling: @Sendable (Remedy) -> String {
        get { installedSpelling.withLock { $0 } }
        set { installedSpelling.withLock { $0 = newValue } }
    }

    private static let installedSpelling = Mutex<@Sendable (Remedy) -> String>(plainWords)

    /// The remedy as ``spelling`` writes it.
    package var description: String { Self.spelling(self) }

    /// Remedies in words, naming no command or flag.
    package static func plainWords(_ remedy: Remedy) -> String {
        switch remedy {
        case .coldMode: "cold mode"
        case .fromDirectory: "a capture from a directory"
        case let .captureDirectory(path): "a capture of \(path)"
        case .allowIncomplete: "the option to allow an incomplete directory"
        case .configPath: "a config file's path"
        case .policyPath: "a policy file's path"
        case .storePath: "a store's path"
        case .waitForLock: "a time to wait for the lock"
        case let .initStore(path): "the initialization of a store at \(path)"
        case .auditVerify: "a verification of the audit log"
        case .history: "the audit history"
        case let .verifyRemote(name): "a verification of remote \(name)"
        case let .copyAll(name): "a copy of every snapshot to remote \(name)"
        case .reseed: "the option to copy to an emptied remote"
        case let .verify(id?): "a verification of snapshot \(id)"
        case .verify(nil): "a verification of the snapshot"
        case .verifyAll: "a verification of every snapshot"
        case let .list(tag?): "the list of snapshots tagged \(tag)"
        case .list(nil): "the snapshot list"
        case .prune: "pruning"
        case let .resumeRestore(id): "a resume of restore \(id)"
        case let .rollBackRestore(id), let .continueRollback(id): "a rollback of restore \(id)"
        case let .restore(snapshot, manager): "a restore of snapshot \(snapshot) to \(manager)"
        case .copyMode: "copy mode"
        case .loadMode: "load mode"
        case let .target(name?): "target \(name)"
        case .target(nil): "a target"
        case .dryRun: "a dry run"
        case .confirm: "a confirmation"
        }
    }
}
