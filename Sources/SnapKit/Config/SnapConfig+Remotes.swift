import Yams

extension SnapConfig {
    /// The remote named `name`.
    /// - Throws: ``ConfigError/unknownRemote(_:known:path:)`` naming the configured ones.
    package func remote(_ name: String) throws -> RemoteEntry {
        guard let remote = remotes.first(where: { $0.name == name }) else {
            throw ConfigError.unknownRemote(name, known: remotes.map(\.name), path: path)
        }
        return remote
    }

    /// Reads `remotes:`, a list of mappings with `name` and `path`.
    static func remotes(_ value: Node, path: String, line: Int, base: String) throws -> [RemoteEntry] {
        guard let sequence = value.sequence else {
            throw ConfigError.badValue(path: path, line: line, key: "remotes", expected: "a list of remotes")
        }
        var remotes: [RemoteEntry] = []
        for node in sequence {
            let remote = try self.remote(node, path: path, base: base)
            if remotes.contains(where: { $0.name == remote.name }) {
                throw ConfigError.badValue(
                    path: path, line: node.mark?.line ?? line, key: "name", expected: "unique among remotes")
            }
            remotes.append(remote)
        }
        return remotes
    }

    private static func remote(_ node: Node, path: String, base: String) throws -> RemoteEntry {
        let line = node.mark?.line ?? 0
        guard let mapping = node.mapping else {
            throw ConfigError.badValue(
                path: path, line: line, key: "remotes", expected: "a list of mappings with name and path")
        }
        var values: [String: String] = [:]
        var flags: [String] = []
        for (key, value) in mapping {
            let name = key.string ?? ""
            let keyLine = key.mark?.line ?? line
            guard RemoteEntry.keys.contains(name) else {
                throw ConfigError.unknownKey(path: path, line: keyLine, key: name, known: RemoteEntry.keys)
            }
            if name == "rclone_flags" {
                guard let list = value.sequence, let strings = Optional(list.compactMap(\.scalar?.string)),
                    strings.count == list.count, strings.allSatisfy({ !$0.isEmpty })
                else {
                    throw ConfigError.badValue(
                        path: path, line: keyLine, key: name, expected: "a list of rclone flags (\"--flag=value\")")
                }
                let flagName = { (flag: String) in String(flag.split(separator: "=", maxSplits: 1).first ?? "") }
                if let flag = strings.first(where: { RemoteEntry.reservedFlags.contains(flagName($0)) }) {
                    throw ConfigError.badValue(
                        path: path, line: keyLine, key: name,
                        expected: "free of \(flag): snap sets rclone's logging and statistics (it reads them to "
                            + "see progress), and a dry run or a prompt would make it believe what did not happen")
                }
                flags = strings
                continue
            }
            guard let scalar = value.scalar?.string, !scalar.isEmpty else {
                throw ConfigError.badValue(path: path, line: keyLine, key: name, expected: "a single value")
            }
            values[name] = scalar
        }
        guard let name = values["name"], let remotePath = values["path"] else {
            throw ConfigError.badValue(
                path: path, line: line, key: "remotes", expected: "entries with both name and path")
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
            !name.hasPrefix("-")
        else {
            throw ConfigError.badValue(
                path: path, line: line, key: "name",
                expected: "letters, digits, _ and - (it names the remote in records)")
        }
        guard !remotePath.hasPrefix("-"), !remotePath.contains("\n") else {
            throw ConfigError.badValue(
                path: path, line: line, key: "path", expected: "an rclone path (remote:bucket/prefix, or a directory)")
        }
        var timeout: Double?
        if let text = values["timeout"] {
            guard let seconds = try? DurationText.seconds(text), seconds > 0 else {
                throw ConfigError.badValue(
                    path: path, line: line, key: "timeout", expected: "a duration such as 60s or 5m")
            }
            timeout = seconds
        }
        let rcloneConfig = values["rclone_config"].map { $0.hasPrefix("/") || base.isEmpty ? $0 : base + "/" + $0 }
        // A local directory as the remote is anchored like the store.
        let anchored =
            remotePath.contains(":") || remotePath.hasPrefix("/") || base.isEmpty ? remotePath : base + "/" + remotePath
        return RemoteEntry(name: name, path: anchored, rcloneConfig: rcloneConfig, flags: flags, timeout: timeout)
    }
}
