import Foundation

/// Runs a policy's hook commands (`/bin/sh -c`) with what happened in the environment:
/// `SNAP_EVENT`, `SNAP_NODES`, `SNAP_SNAPSHOTS`, `SNAP_OUTCOME`, `SNAP_ERROR`.
///
/// A hook never changes snap's outcome and never hangs it: a failure or a timeout is
/// returned as a warning for the caller to print.
struct PolicyHooks: Sendable {
    package var commands: [String: String]
    package var timeout: Double
    package var runner: CommandRunner

    package init(policy: Policy, runner: CommandRunner = CommandRunner()) {
        self.commands = policy.hooks
        self.timeout = policy.hookTimeout
        self.runner = runner
    }

    /// Runs the hook for `event`, if there is one.
    /// - Returns: a warning when it failed or timed out, else nil.
    package func run(_ event: String, nodes: [String], snapshots: [String] = [], outcome: String, error: String? = nil)
        -> String?
    {
        guard let command = commands[event] else { return nil }
        var environment = ProcessInfo.processInfo.environment
        environment["SNAP_EVENT"] = event
        environment["SNAP_NODES"] = nodes.joined(separator: " ")
        environment["SNAP_SNAPSHOTS"] = snapshots.joined(separator: " ")
        environment["SNAP_OUTCOME"] = outcome
        environment["SNAP_ERROR"] = error ?? ""
        do {
            let result = try runner.run(
                ["/bin/sh", "-c", command], environment: environment, directory: nil, timeout: timeout)
            guard result.status == 0 else {
                let said = (result.stderr + result.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
                return "hook \(event) failed (exit \(result.status))\(said.isEmpty ? "" : ": \(said.prefix(200))")"
            }
            return nil
        } catch {
            return "hook \(event): \(error)"
        }
    }
}
