/// Where a restore keeps things: its folder in the store, the rescued files, and the
/// directories it makes beside each target's Mnesia directory. The one place these paths
/// are spelled, for the planner, the executor and the messages.
public struct RestoreLayout: Sendable, Equatable {
    /// `STORE/restores/<id>`.
    public var directory: String

    public init(store: Store, id: String) { directory = store.restoreDirectory(id) }

    /// `restores/<id>/journal.json`.
    public var journal: String { directory + "/journal.json" }
    /// `restores/<id>/rescue`: every target's previous files, one folder per manager.
    public var rescueRoot: String { directory + "/rescue" }
    /// `restores/<id>/rescue/<node>`.
    public func rescue(_ node: String) -> String { rescueRoot + "/" + node }

    /// The snapshot's files, unpacked and fsynced beside the target before the swap.
    public static func staging(_ mnesiaDirectory: String) -> String { mnesiaDirectory + ".snap-staging" }
    /// A rollback's verified copy of the previous files, beside the target before the swap.
    public static func rollbackStaging(_ mnesiaDirectory: String) -> String { mnesiaDirectory + ".snap-rollback" }
    /// What a rollback swaps out of the target (the restore's files), removed after.
    public static func discard(_ mnesiaDirectory: String) -> String { mnesiaDirectory + ".snap-discard" }
}
