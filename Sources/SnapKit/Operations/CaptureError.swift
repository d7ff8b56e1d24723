/// A capture of one manager failed at a named step.
public struct CaptureError: SnapFailure {
    public var node: String
    public var step: String
    public var cause: any Error
    /// The node's cold copy was abandoned, hung: whatever failed after it (the start), the
    /// disks it needs may be hung too.
    public var coldCopyHung = false

    public var description: String {
        let text = "\(cause)"
        return text.hasPrefix(node + ":") ? "\(step): \(text)" : "\(node): \(step): \(text)"
    }
}

/// Files kept changing during every hot copy attempt.
public struct HotCopyUnstable: SnapFailure {
    public var attempts: Int
    public var last: String
    public var description: String {
        "files changed during all \(attempts) copy attempts (last: \(last)); retry at a quieter time or use \(Remedy.coldMode)"
    }
}

/// A cold copy copied nothing for the manager's `timeout`; the node was started again
/// without a snapshot.
public struct ColdCopyTimedOut: SnapFailure {
    public var directory: String
    public var seconds: Double

    public var description: String {
        "copying \(directory) made no progress for \(seconds.formatted()) s (the manager's timeout), so the node was "
            + "started again without a snapshot; check the disks of the Mnesia directory and of the store"
    }
}
