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

    package init(name: String, home: String, overrides: [String: String]) {
        self.name = name
        self.home = home
        self.overrides = overrides
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

    static let topKeys = ["store", "cluster", "policy", "managers"]
    static let managerKeys = [
        "name", "home", "nodename", "partner", "role", "mnesia_dir", "console_host",
        "console_port", "cookie", "timeout", "settle",
        "stop_command", "start_command",
    ]
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
        let base = (path as NSString).deletingLastPathComponent
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
        let resolvedHome = home.hasPrefix("/") || base.isEmpty ? home : base + "/" + home
        return ManagerEntry(name: name, home: resolvedHome, overrides: values)
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
