/// A capture of one manager failed at a named step.
package struct CaptureError: SnapFailure {
    package var node: String
    package var step: String
    package var cause: any Error
    /// The node's cold copy was abandoned, hung: whatever failed after it (the start), the
    /// disks it needs may be hung too.
    var coldCopyHung = false

    package var description: String {
        let text = "\(cause)"
        return text.hasPrefix(node + ":") ? "\(step): \(text)" : "\(node): \(step): \(text)"
    }
}

/// Files kept changing during every hot copy attempt.
package struct HotCopyUnstable: SnapFailure {
    var attempts: Int
    package var last: String
    package var description: String {
        "files changed during all \(attempts) copy attempts (last: \(last)); retry at a quieter time or use \(Remedy.coldMode)"
    }
}
