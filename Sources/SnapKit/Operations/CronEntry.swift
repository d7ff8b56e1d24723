import Foundation

/// What a crontab line for a policy's captures is made of: the policy file, its `schedule`,
/// and the config file the runs read (cron's environment has no `./snap.yaml`).
package struct CronEntry: Sendable {
    /// The policy's file as it was found, and absolute.
    package var policyFile: String
    package var policyPath: String
    /// Its cron expression.
    package var schedule: String
    /// The config file, absolute.
    package var configPath: String
    /// The policy's `offsite`, which each run's create copies to (and its prune prunes).
    package var offsite: OffsitePolicy?
    /// What each run does about proving snapshots load (the policy's `verify_load`), as
    /// `snap cron` says it after "Each run also " (``Policy/VerifyLoad/cronSummary``); nil
    /// when it does nothing about it.
    package var loadSummary: String?

    /// The entry for `policy` (else the config's, else `default`).
    /// - Throws: ``PolicyError``, or ``CronError`` when the policy has no schedule or there is no config file.
    package init(policy: String?, in session: Session) throws {
        let chosen = try session.policies.choose(named: policy, configured: session.config?.policy)
        guard let schedule = chosen.schedule else { throw CronError.noSchedule(policy: chosen.path) }
        guard let config = session.config?.path else { throw CronError.noConfig }
        policyFile = chosen.path
        policyPath = URL(fileURLWithPath: chosen.path).standardizedFileURL.path
        self.schedule = schedule
        offsite = chosen.offsite
        loadSummary = chosen.verifyLoad.cronSummary
        configPath = URL(fileURLWithPath: config).standardizedFileURL.path
    }
}

/// A crontab line cannot be made (a usage error).
package enum CronError: SnapFailure {
    case noSchedule(policy: String)
    case noConfig

    package var exitStatus: ExitStatus { .usage }
    package var description: String {
        switch self {
        case .noSchedule(let policy): "policy \(policy) has no `schedule`; add one such as \"17 * * * *\""
        case .noConfig: "cron needs a config file (\(Remedy.configPath)): cron's environment has no ./snap.yaml"
        }
    }
}
