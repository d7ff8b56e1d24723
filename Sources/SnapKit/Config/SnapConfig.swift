import Foundation
import Yams

/// One manager of the pair, as configured in `snap.yaml`.
package struct ManagerEntry: Sendable, Equatable {
    /// The name operators use (`manager_0`).
    package var name: String
    /// The manager's release directory.
    package var home: String
    /// Overrides of what `etc/leo_manager.conf` says, by snap.yaml key.
    package var overrides: [String: String]
    /// How to reach the manager's host; nil for a manager on snap's own host.
    package var ssh: SSHTarget?

    package init(name: String, home: String, overrides: [String: String], ssh: SSHTarget? = nil) {
        self.name = name
        self.home = home
        self.overrides = overrides
        self.ssh = ssh
    }
}

/// The content of `snap.yaml`.
package struct SnapConfig: Sendable, Equatable {
    /// The file it came from.
    package var path: String
    /// Store directory, resolved against the config file's directory.
    package var store: String?
    /// LeoFS cluster id.
    package var cluster: String?
    /// Policy name or path.
    package var policy: String?
    /// The manager pair.
    package var managers: [ManagerEntry]
    /// Where `snap copy` sends the store off site.
    package var remotes: [RemoteEntry] = []
    /// Encryption of new bundles and the identity that reads them; nil: plain bundles.
    package var encryption: EncryptionEntry?

    static let topKeys = ["store", "cluster", "policy", "managers", "remotes", "encryption"]
    static let managerKeys =
        [
            "name", "home", "nodename", "partner", "role", "mnesia_dir", "console_host",
            "console_port", "cookie", "timeout", "settle",
            "stop_command", "start_command",
        ] + SSHTarget.keys
    /// Manager keys whose value is a shell command line, which must not be empty.
    static let commandKeys = ["stop_command", "start_command"]

    /// Where the config comes from when none is given: `$SNAP_CONFIG`, `./snap.yaml`,
    /// `/etc/snap/snap.yaml`; `nil` when none of them exists.
    package static func defaultPath(environment: [String: String]) -> (path: String, explicit: Bool)? {
        if let path = environment["SNAP_CONFIG"], !path.isEmpty { return (path, true) }
        for path in ["snap.yaml", "/etc/snap/snap.yaml"] where FileOps.exists(path) { return (path, false) }
        return nil
    }

    /// Reads and checks a config file.
    /// - Throws: ``ConfigError`` naming the file and line.
    package static func load(path: String) throws -> SnapConfig {
        guard FileOps.exists(path) else { throw ConfigError.missing(path) }
        if let reason = FileOps.insecurity(of: path) { throw ConfigError.insecure(path: path, reason: reason) }
        let text = String(decoding: try FileOps.readFile(path), as: UTF8.self)
        return try parse(text, path: path)
    }

    /// Parses config text; `path` names it in errors and anchors relative paths.
    package static func parse(_ text: String, path: String) throws -> SnapConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError.malformed(path: path, line: line(of: error), detail: "\(error)")
        }
        var config = SnapConfig(path: path, store: nil, cluster: nil, policy: nil, managers: [])
        guard let node else { return config }
        guard let mapping = node.mapping else {
            throw ConfigError.malformed(
                path: path, line: node.mark?.line, detail: "the top level must be a mapping of keys")
        }
        let base = FileOps.parent(of: path)
        for (key, value) in mapping {
            let name = key.string ?? ""
            let line = key.mark?.line ?? 0
            switch name {
            case "store":
                let store = try scalar(value, key: name, path: path)
                config.store = store.hasPrefix("/") || base.isEmpty ? store : base + "/" + store
            case "cluster": config.cluster = try scalar(value, key: name, path: path)
            case "policy": config.policy = try scalar(value, key: name, path: path)
            case "managers":
                guard let sequence = value.sequence else {
                    throw ConfigError.badValue(path: path, line: line, key: name, expected: "a list of managers")
                }
                config.managers = try sequence.map { try manager($0, path: path, base: base) }
            case "remotes": config.remotes = try remotes(value, path: path, line: line, base: base)
            case "encryption": config.encryption = try encryption(value, path: path, line: line, base: base)
            default:
                throw ConfigError.unknownKey(path: path, line: line, key: name, known: topKeys)
            }
        }
        return config
    }

    private static func manager(_ node: Node, path: String, base: String) throws -> ManagerEntry {
        guard let mapping = node.mapping else {
            throw ConfigError.badValue(
                path: path, line: node.mark?.line ?? 0, key: "managers",
                expected: "a list of mappings with name and home")
        }
        var values: [String: String] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard managerKeys.contains(name) else {
                throw ConfigError.unknownKey(path: path, line: key.mark?.line ?? 0, key: name, known: managerKeys)
            }
            values[name] = try scalar(value, key: name, path: path)
            if commandKeys.contains(name), values[name]?.allSatisfy(\.isWhitespace) == true {
                throw ConfigError.badValue(
                    path: path, line: key.mark?.line ?? 0, key: name, expected: "a shell command line, not empty")
            }
        }
        guard let name = values.removeValue(forKey: "name"), let home = values.removeValue(forKey: "home") else {
            throw ConfigError.badValue(
                path: path, line: node.mark?.line ?? 0, key: "managers",
                expected: "entries with both name and home")
        }
        let line = node.mark?.line ?? 0
        let ssh = try sshTarget(&values, path: path, line: line, base: base)
        // A remote home is a path on its own host: nothing to resolve it against here.
        let resolvedHome = home.hasPrefix("/") || base.isEmpty || ssh != nil ? home : base + "/" + home
        if ssh != nil && !home.hasPrefix("/") {
            throw ConfigError.badValue(
                path: path, line: line, key: "home", expected: "an absolute path on the manager's host")
        }
        return ManagerEntry(name: name, home: resolvedHome, overrides: values, ssh: ssh)
    }

    /// Takes `host` and the keys that go with it out of a manager's values.
    private static func sshTarget(_ values: inout [String: String], path: String, line: Int, base: String) throws
        -> SSHTarget?
    {
        let given = SSHTarget.keys.filter { values[$0] != nil }
        let taken = given.reduce(into: [String: String]()) { $0[$1] = values.removeValue(forKey: $1) }
        guard let host = taken["host"] else {
            guard let key = given.first else { return nil }
            throw ConfigError.badValue(
                path: path, line: line, key: key, expected: "to go with host (user@address) on the same manager")
        }
        let user = host.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard !host.isEmpty, !host.hasPrefix("-"), !host.contains(where: \.isWhitespace),
            user.count == 1 || (!user[0].isEmpty && !user[1].isEmpty)
        else {
            throw ConfigError.badValue(path: path, line: line, key: "host", expected: "user@address or address")
        }
        var port: Int?
        if let text = taken["port"] {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw ConfigError.badValue(path: path, line: line, key: "port", expected: "a TCP port (1 to 65535)")
            }
            port = value
        }
        func local(_ key: String) -> String? {
            taken[key].map { $0.hasPrefix("/") || base.isEmpty ? $0 : base + "/" + $0 }
        }
        if let snap = taken["snap"], snap.isEmpty || snap.contains(where: \.isWhitespace) {
            throw ConfigError.badValue(
                path: path, line: line, key: "snap", expected: "the agent's path on the manager's host, without spaces")
        }
        return SSHTarget(
            host: host, port: port, identity: local("identity"), knownHosts: local("known_hosts"), snap: taken["snap"])
    }

    private static func scalar(_ node: Node, key: String, path: String) throws -> String {
        guard let scalar = node.scalar else {
            throw ConfigError.badValue(path: path, line: node.mark?.line ?? 0, key: key, expected: "a single value")
        }
        return scalar.string
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default:
            return nil
        }
    }
}
