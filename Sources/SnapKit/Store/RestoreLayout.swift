import Foundation

/// Where a restore keeps things: its folder in the store, the rescued files, and the
/// directories it makes beside each target's Mnesia directory. The one place these paths
/// are spelled, for the planner, the executor and the messages.
package struct RestoreLayout: Sendable, Equatable {
    /// `STORE/restores/<id>`.
    package var directory: String

    package init(store: Store, id: String) { directory = store.restoreDirectory(id) }

    /// The restore's id.
    package var id: String { FileOps.lastComponent(of: directory) }
    /// `restores/<id>/journal.json`.
    package var journal: String { directory + "/journal.json" }
    /// `restores/<id>/rescue`: every target's previous files, one folder per manager.
    package var rescueRoot: String { directory + "/rescue" }
    /// `restores/<id>/rescue/<node>`.
    package func rescue(_ node: String) -> String { rescueRoot + "/" + node }

    /// The snapshot's files, unpacked and fsynced beside the target before the swap.
    package static func staging(_ mnesiaDirectory: String) -> String { mnesiaDirectory + ".snap-staging" }
    /// A rollback's verified copy of the previous files, beside the target before the swap.
    static func rollbackStaging(_ mnesiaDirectory: String) -> String { mnesiaDirectory + ".snap-rollback" }
    /// What a rollback swaps out of the target (the restore's files), removed after.
    static func discard(_ mnesiaDirectory: String) -> String { mnesiaDirectory + ".snap-discard" }
}
