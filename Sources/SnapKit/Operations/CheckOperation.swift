import Foundation

/// What `snap check` is asked to judge by.
package struct CheckOptions: Sendable {
    /// Seconds after which the newest snapshot is a warning, and critical (default: the policy's).
    package var warnAfter: Double?
    package var critAfter: Double?
    /// The policy named for this run (else the config's, else `default` when there is one).
    package var policy: String?
    /// Where to write a node_exporter textfile too.
    package var metricsPath: String?

    package init(warnAfter: Double? = nil, critAfter: Double? = nil, policy: String? = nil, metricsPath: String? = nil)
    {
        self.warnAfter = warnAfter
        self.critAfter = critAfter
        self.policy = policy
        self.metricsPath = metricsPath
    }
}

/// The monitoring use case: the age of each node's newest and newest verified snapshot (and,
/// when the policy asks, of its newest copy off site and its newest snapshot proven to load),
/// unfinished restores, damaged records and leftover rescues, each with a Nagios state.
package enum CheckOperation {
    /// The thresholds for `options`: its own, else the policy's freshness, else 2 h and 6 h.
    /// - Throws: ``PolicyError`` when a policy named on the command line or in the config
    ///   does not load; the caller reports that as a usage error, not as a state.
    package static func thresholds(_ options: CheckOptions, in session: Session) throws -> (warn: Double, crit: Double)
    {
        let policy = try session.policies.chooseIfAny(named: options.policy, configured: session.config?.policy)
        let warn = options.warnAfter ?? policy?.freshnessWarn ?? 2 * 3600
        let crit = options.critAfter ?? policy?.freshnessCrit ?? 6 * 3600
        return (warn, max(crit, warn))
    }

    /// One result per node and per problem found; reads the store without its lock.
    package static func run(_ options: CheckOptions, thresholds: (warn: Double, crit: Double), in session: Session)
        throws -> [FreshnessCheck.NodeResult]
    {
        let started = Date()
        let store = try session.openStore()
        let set = try store.loadRecords()
        let policy = try? session.policies.chooseIfAny(named: options.policy, configured: session.config?.policy)
        let results = judge(set, in: store, thresholds: thresholds, policy: policy, session: session, now: started)
        session.writeMetrics(
            to: options.metricsPath, store: store, action: "check", started: started, records: set.records)
        return results
    }

    /// The results for `set`, the store's records, at `now`: what `run` reports, without
    /// writing anything (``ReportOperation`` shows them too).
    static func judge(
        _ set: RecordSet, in store: Store, thresholds: (warn: Double, crit: Double), policy: Policy?,
        session: Session, now: Date
    ) -> [FreshnessCheck.NodeResult] {
        var results = FreshnessCheck.evaluate(
            records: set.records, nodes: session.config?.managers.map(\.name) ?? [],
            unfinishedRestores: store.unfinishedRestores(),
            damagedRecords: set.damaged.map { $0.path ?? $0.description }, warn: thresholds.warn,
            crit: thresholds.crit, now: now)
        if let offsite = policy?.offsite, let warn = offsite.warn {
            FreshnessCheck.judgeOffsite(&results, records: set.records, remote: offsite.remote, warn: warn, now: now)
        }
        if let policy, policy.asksForLoad {
            FreshnessCheck.judgeLoad(&results, records: set.records, warn: policy.freshnessLoadWarn, now: now)
        }
        return results + FreshnessCheck.rescueLines(store.remainingRescues())
    }
}
