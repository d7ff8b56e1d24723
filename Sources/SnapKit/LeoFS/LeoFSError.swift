import Foundation

/// Failures talking to, or reading the setup of, a LeoFS manager.
package enum LeoFSError: SnapFailure, Equatable {
    case confMissing(String)
    case malformedConf(path: String, line: Int, text: String)
    case badSetting(node: String, key: String, value: String, expected: String)
    case unknownManager(String, known: [String])
    case noManagersConfigured
    case controlFailed(node: String, step: String, status: Int32, output: String)
    /// snap.yaml's `stop_command` or `start_command` (`key`) exited non-zero or timed out.
    case commandFailed(node: String, key: String, command: String, status: Int32, output: String)
    case notRunning(node: String, step: String)
    case stillRunning(node: String)
    case dumpMissing(node: String, path: String)
    case console(node: String, address: String, detail: String)

    package var description: String {
        switch self {
        case let .confMissing(path):
            return "\(path) does not exist; check `home` of this manager in snap.yaml"
        case let .malformedConf(path, line, text):
            return "\(path):\(line): not a `key = value` line: \(text.debugDescription)"
        case let .badSetting(node, key, value, expected):
            return "\(node): \(key) = \(value.debugDescription) is not \(expected)"
        case let .unknownManager(name, known):
            return "no manager named \(name) in snap.yaml; configured: \(known.joined(separator: ", "))"
        case .noManagersConfigured:
            return
                "no managers configured: add `managers:` with name and home to snap.yaml, or use \(Remedy.fromDirectory)"
        case let .controlFailed(node, step, status, output):
            // What the script printed may hold rows of leo_s3_credentials: never show their binaries.
            let said = ErlangRedaction.redactingBinaries(output).trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(node): \(step) failed (exit \(status))\(said.isEmpty ? "" : ": \(said.prefix(300))")"
        case let .commandFailed(node, key, command, status, output):
            // One line: the tail of what it printed is where a service manager says why.
            let lines = ErlangRedaction.redactingBinaries(output).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let said = lines.joined(separator: " | ")
            let tail = said.count > 300 ? "..." + said.suffix(300) : said
            return "\(node): \(key) `\(command)` failed (exit \(status))\(tail.isEmpty ? "" : ": \(tail)")"
        case let .notRunning(node, step):
            return
                "\(node): \(step) needs the node running, but it does not answer ping; use \(Remedy.coldMode) or start it"
        case let .stillRunning(node):
            return "\(node): still running after stop; refusing to copy files of a live Mnesia"
        case let .dumpMissing(node, path):
            return
                "\(node): dump-mnesia-data reported success but \(path) is missing or empty (its exit code cannot be trusted)"
        case let .console(node, address, detail):
            return "\(node): console \(address): \(ErlangRedaction.redactingBinaries(detail))"
        }
    }
}
