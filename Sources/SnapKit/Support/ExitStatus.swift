/// The exit codes of the `snap` contract (DESIGN.md, "Exit codes").
package enum ExitStatus: Int32, Sendable {
    case ok = 0
    case error = 1
    case usage = 2
    case partial = 3
    case verificationFailed = 4
    case restoreRolledBack = 5
    /// Refused because a restore is unfinished (its managers may be down or half restored).
    case restoreUnfinished = 6
    case storeLocked = 11
    /// SIGHUP ended the command at a safe point (128 + 1).
    case hangUp = 129
    /// SIGINT (Ctrl-C) ended the command at a safe point (128 + 2).
    case interrupted = 130
    /// SIGTERM ended the command at a safe point (128 + 15).
    case terminated = 143
}

/// An error that knows which exit code it stands for.
///
/// Every error area of SnapKit conforms, so the executable maps any failure
/// to the documented code without knowing the areas.
package protocol SnapFailure: Error, CustomStringConvertible {
    /// The process exit status this failure should produce.
    var exitStatus: ExitStatus { get }
    /// The failure as the lines an operator reads, one fault each (a capture of several
    /// managers fails once per manager); by default its description.
    var lines: [String] { get }
}

extension SnapFailure {
    package var exitStatus: ExitStatus { .error }
    package var lines: [String] { [description] }
}
