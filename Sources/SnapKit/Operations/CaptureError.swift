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
