import Foundation

/// A cold copy copied nothing for the manager's `timeout`; the node was started again
/// without a snapshot.
struct ColdCopyTimedOut: SnapFailure {
    package var directory: String
    package var seconds: Double

    package var description: String {
        "copying \(directory) made no progress for \(seconds.formatted()) s (the manager's timeout), so the node was "
            + "started again without a snapshot; check the disks of the Mnesia directory and of the store"
    }
}
