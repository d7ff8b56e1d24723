/// Problems with `snap.yaml`.
enum ConfigError: SnapFailure {
    /// The file named by `--config` or `$SNAP_CONFIG` is not there.
    case missing(String)
    /// YAML that does not parse.
    case malformed(path: String, line: Int?, detail: String)
    /// A key snap does not know (usually a typo).
    case unknownKey(path: String, line: Int, key: String, known: [String])
    /// A config others could change (it decides what snap runs and stops).
    case insecure(path: String, reason: String)
    /// A value of the wrong kind.
    case badValue(path: String, line: Int, key: String, expected: String)
    /// A remote that `remotes:` does not name.
    case unknownRemote(String, known: [String], path: String)

    package var description: String {
        switch self {
        case let .missing(path):
            return "config file \(path) does not exist; create it or pass \(Remedy.configPath)"
        case let .malformed(path, line, detail):
            // The parser quotes the line, which may be a remote's path with its credentials.
            return "\(path)\(line.map { ":\($0)" } ?? ""): not valid YAML: \(CredentialRedaction.redact(detail))"
        case let .unknownKey(path, line, key, known):
            let shown = CredentialRedaction.redact(key).debugDescription
            return "\(path):\(line): unknown key \(shown); known keys: \(known.joined(separator: ", "))"
        case let .insecure(path, reason):
            return "refusing config \(path): it \(reason)"
        case let .badValue(path, line, key, expected):
            return "\(path):\(line): \(key) must be \(expected)"
        case let .unknownRemote(name, known, path):
            return known.isEmpty
                ? "no remote \(name.debugDescription): \(path) has no remotes; add one under remotes: (name and rclone path)"
                : "no remote \(name.debugDescription) in \(path); configured: \(known.joined(separator: ", "))"
        }
    }
}
