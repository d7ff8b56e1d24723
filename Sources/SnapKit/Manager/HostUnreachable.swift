/// A manager's host could not be reached (no connection, or it broke): nothing is known of
/// what the manager did since. A restore's rollback goes on with the hosts it can reach and
/// names this one as still to be rolled back.
package struct HostUnreachable: SnapFailure, Equatable {
    /// How the host is named (`leofs@10.0.0.11 port 22`).
    package var host: String
    package var detail: String

    package init(host: String, detail: String) {
        self.host = host
        self.detail = detail
    }

    package var description: String { "cannot reach \(host) over ssh: \(detail)" }
}
