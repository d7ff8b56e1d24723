/// How snap reaches a manager on another host: OpenSSH to `host`, where `snap agent` runs.
package struct SSHTarget: Sendable, Equatable, Codable {
    /// `user@address`, or an address (the user from the ssh config).
    package var host: String
    /// TCP port, when not the ssh config's (22).
    package var port: Int?
    /// The private key, when not the ssh config's.
    package var identity: String?
    /// The known_hosts file the host's key is checked against, when not the ssh config's.
    package var knownHosts: String?
    /// The agent's path on the host (default `snap` on the PATH there).
    package var snap: String

    package init(
        host: String, port: Int? = nil, identity: String? = nil, knownHosts: String? = nil, snap: String? = nil
    ) {
        self.host = host
        self.port = port
        self.identity = identity
        self.knownHosts = knownHosts
        self.snap = snap ?? "snap"
    }

    /// The address part of ``host``.
    package var address: String {
        host.split(separator: "@", maxSplits: 1).last.map(String.init) ?? host
    }

    /// How messages name the host: `user@address` and the port when set.
    package var shown: String { port.map { "\(host) port \($0)" } ?? host }

    /// The snap.yaml keys that make a manager remote, and the ones that only go with `host`.
    static let keys = ["host", "port", "identity", "known_hosts", "snap"]
}
