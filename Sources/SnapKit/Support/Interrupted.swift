import Glibc

/// A command stopped at a safe point because SIGINT, SIGTERM or SIGHUP came.
package struct Interrupted: SnapFailure {
    /// What a safe point leaves when it says nothing more precise.
    static let defaultState = "stopped at a safe point; what was half-written was removed"

    /// The signal's number.
    package var signal: Int32
    /// What stopping left behind: which nodes run, what was or was not recorded.
    package var state: String
    /// Snapshots the command changed before it stopped (a prune's removed records), for
    /// its audit entry.
    package var snapshots: [String] = []

    /// - Parameters:
    ///   - signal: SIGINT, SIGTERM or SIGHUP.
    ///   - state: what stopping left behind, in the operator's words.
    package init(signal: Int32, state: String) {
        self.signal = signal
        self.state = state
    }

    /// 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP, as a shell reports a process the
    /// signal killed.
    package var exitStatus: ExitStatus {
        switch signal {
        case SIGTERM: return .terminated
        case SIGHUP: return .hangUp
        default: return .interrupted
        }
    }

    /// `SIGINT`, `SIGTERM`, `SIGHUP`.
    package var signalName: String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }

    package var description: String { "interrupted by \(signalName); \(state)" }

    /// The same interruption, said with what the caller knows it left behind.
    package func leaving(_ state: String) -> Interrupted {
        var said = self
        said.state = state
        return said
    }
}
