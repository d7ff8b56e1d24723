import Foundation

/// The crontab line that runs a policy's captures: `create --prune` at the policy's `schedule`.
public struct CronEntry: Sendable {
    /// The policy file the line names.
    public var policyPath: String
    /// The crontab line: schedule, then the command, quoted for `/bin/sh`.
    public var line: String

    /// - Parameters:
    ///   - binary: the snap executable the line runs.
    ///   - lockWait: seconds a run waits for an overlapping one before exiting 11.
    ///   - metricsPath: a node_exporter textfile each run writes.
    /// - Throws: ``PolicyError``, or ``CronError`` when the policy has no schedule or there is no config file.
    public init(policy: String?, binary: String, lockWait: Int, metricsPath: String?, in session: Session) throws {
        let chosen = try session.policies.choose(
            named: policy, configured: session.config?.policy, defaultRequired: true)
        guard let chosen else { throw PolicyError.notFound("default", searched: session.policies.directories) }
        guard let schedule = chosen.schedule else { throw CronError.noSchedule(policy: chosen.path) }
        guard let config = session.config?.path else { throw CronError.noConfig }
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        var command = [
            binary, "create", "--prune", "--policy", absolute(chosen.path), "--config", absolute(config), "--quiet",
            "--wait", String(lockWait),
        ]
        if let metricsPath { command += ["--metrics", absolute(metricsPath)] }
        policyPath = chosen.path
        line = "\(schedule) " + command.map(Self.shellQuote).joined(separator: " ")
    }

    /// Quotes for /bin/sh, which cron uses; `%` is special to cron and is escaped.
    public static func shellQuote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-=:@,+".contains($0) }
        let quoted = safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return quoted.replacingOccurrences(of: "%", with: "\\%")
    }
}

/// A crontab line cannot be made (a usage error).
public enum CronError: SnapFailure {
    case noSchedule(policy: String)
    case noConfig

    public var exitStatus: ExitStatus { .usage }
    public var description: String {
        switch self {
        case .noSchedule(let policy): "policy \(policy) has no `schedule`; add one such as \"17 * * * *\""
        case .noConfig: "cron needs a config file (--config PATH): cron's environment has no ./snap.yaml"
        }
    }
}
