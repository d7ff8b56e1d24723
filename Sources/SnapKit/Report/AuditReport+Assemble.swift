import Foundation

/// What the report is made of, gathered by the use case (``ReportOperation``): the store's
/// records and audit log as read, and the verdicts other parts of snap give.
package struct ReportSources: Sendable {
    package var records: [SnapshotRecord]
    package var entries: [AuditEntry]
    package var verification: AuditVerification
    package var store: AuditReport.StoreFacts
    package var policy: Policy?
    /// What `snap check` says of each node: its state label and message.
    package var states: [String: (state: String, message: String)]
    /// Every restore, from its journal.
    package var restores: [AuditReport.RestoreRow]
    /// What the next prune would decide.
    package var retention: [RetentionDecision]

    package init(
        records: [SnapshotRecord], entries: [AuditEntry], verification: AuditVerification,
        store: AuditReport.StoreFacts, policy: Policy?, states: [String: (state: String, message: String)],
        restores: [AuditReport.RestoreRow], retention: [RetentionDecision]
    ) {
        self.records = records
        self.entries = entries
        self.verification = verification
        self.store = store
        self.policy = policy
        self.states = states
        self.restores = restores
        self.retention = retention
    }
}

extension AuditReport {
    /// Actions whose every run is marked on the timeline; other actions are marked only when
    /// they did not end well.
    static let markedActions: Set<String> = [
        "restore", "restore-resume", "restore-rollback", "prune", "copy", "rekey",
    ]

    /// The report of `sources` over `period` (the node filter included), made at `now`.
    package static func assemble(_ sources: ReportSources, period: Period, now: Date) -> AuditReport {
        func inPeriod(_ date: Date) -> Bool { (period.since.map { date >= $0 } ?? true) && date <= period.until }
        func forNode(_ nodes: [String]) -> Bool { period.node.map { nodes.isEmpty || nodes.contains($0) } ?? true }
        let records = sources.records.filter { period.node == nil || $0.node == period.node }
        let shown = records.filter { inPeriod($0.created) }.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
        let entries = sources.entries.filter { inPeriod($0.time) && forNode($0.nodes) }
        let nodeNames = Set(records.map(\.node)).union(sources.states.keys).filter { name in
            period.node.map { $0 == name } ?? true
        }
        let nodes = nodeNames.sorted().map { node in
            nodeRow(node, records: records, shown: shown, sources: sources, period: period, now: now)
        }
        return AuditReport(
            generated: now, snapVersion: ToolInfo.version, user: ToolInfo.user, host: ToolInfo.host,
            store: sources.store, period: period,
            policy: sources.policy.map { policy in
                PolicyFacts(
                    path: policy.path, schedule: policy.schedule, timeZone: policy.timeZone.identifier,
                    hostTimeZone: sameClock(policy.timeZone, .current, around: now)
                        ? policy.timeZone.identifier : TimeZone.current.identifier,
                    freshnessWarnSeconds: policy.freshnessWarn,
                    freshnessCritSeconds: policy.freshnessCrit)
            },
            nodes: nodes, snapshots: marks(shown, all: sources.records), events: events(entries),
            sizes: sizes(shown, all: sources.records),
            restores: sources.restores.filter { restore in
                inPeriod(restore.started) && (period.node.map { restore.targets.contains($0) } ?? true)
            }, actors: actors(entries),
            evidence: Evidence(
                chainOk: sources.verification.ok, entries: sources.verification.count,
                headSeq: sources.verification.headSeq, headHash: sources.verification.headHash,
                problem: sources.verification.problem, tornTailBytes: sources.verification.tornTailBytes),
            retention: sources.retention.filter { period.node == nil || $0.node == period.node })
    }

    /// Whether two zones keep the same time (`UTC` and `Etc/UTC`, say): the same offset on
    /// the first of every month of the year around `date`.
    static func sameClock(_ lhs: TimeZone, _ rhs: TimeZone, around date: Date) -> Bool {
        (0..<13).allSatisfy { month in
            let instant = date.addingTimeInterval(Double(month - 6) * 30 * 86_400)
            return lhs.secondsFromGMT(for: instant) == rhs.secondsFromGMT(for: instant)
        }
    }

    private static func brief(_ record: SnapshotRecord?, now: Date) -> SnapshotBrief? {
        record.map {
            SnapshotBrief(
                id: $0.id, version: $0.version, created: $0.created, ageSeconds: now.timeIntervalSince($0.created))
        }
    }

    private static func nodeRow(
        _ node: String, records: [SnapshotRecord], shown: [SnapshotRecord],
        sources: ReportSources, period: Period, now: Date
    ) -> NodeRow {
        let mine = records.filter { $0.node == node && !$0.isPreRestore }.sorted { $0.version > $1.version }
        let state = sources.states[node] ?? (state: "UNKNOWN", message: "snap check did not judge \(node)")
        var row = NodeRow(
            node: node, state: state.state, message: state.message, newest: brief(mine.first, now: now),
            newestVerified: brief(mine.first { $0.verification?.ok == true }, now: now),
            newestLoaded: brief(mine.first { $0.load?.ok == true }, now: now),
            newestOffsite: brief(mine.first { ($0.copies ?? []).contains { $0.pruned == nil } }, now: now),
            snapshots: shown.filter { $0.node == node }.count, expectedRuns: nil, missedRuns: nil, failedRuns: nil,
            unmetRuns: [])
        // The schedule is read in the policy's time zone (``PolicyFacts/hostTimeZone`` says
        // when cron's, this host's, is another).
        guard let policy = sources.policy, let schedule = policy.cronSchedule else { return row }
        // Captures are the node's snapshots the store holds, and the runs the audit log says
        // made one that was pruned since; failures, the runs that did not end well.
        let held = Set(records.filter { $0.node == node }.map(\.id))
        let creates = sources.entries.filter { $0.action == "create" && $0.nodes.contains(node) }
        let pruned = creates.filter { $0.outcome == "ok" && !$0.snapshots.contains(where: held.contains) }
        let captures =
            mine.map { (id: $0.id, created: $0.created) }
            + pruned.map { (id: $0.snapshots.first ?? "audit entry \($0.seq)", created: $0.time) }
        let failures = creates.filter { $0.outcome != "ok" }.map(\.time)
        let runs = ScheduledRuns.runs(
            of: schedule, in: policy.timeZone, from: period.since ?? .distantPast, to: period.until, captures: captures,
            failures: failures)
        row.expectedRuns = runs.count
        row.missedRuns = runs.filter { $0.outcome == .missed }.count
        row.failedRuns = runs.filter { $0.outcome == .failed }.count
        row.unmetRuns = runs.filter { $0.outcome != .captured }.map {
            UnmetRun(expected: $0.expected, outcome: $0.outcome.rawValue, at: $0.at)
        }
        return row
    }

    /// Marks of `shown`; a bundle's bytes are new the first time any snapshot of the store uses it.
    private static func marks(_ shown: [SnapshotRecord], all: [SnapshotRecord]) -> [SnapshotMark] {
        var firstUse: [String: String] = [:]
        for record in all.sorted(by: { ($0.created, $0.id) < ($1.created, $1.id) })
        where firstUse[record.bundleSha256] == nil {
            firstUse[record.bundleSha256] = record.id
        }
        return shown.map { record in
            SnapshotMark(
                id: record.id, node: record.node, version: record.version, created: record.created,
                mode: record.mode.rawValue, bytes: record.bundleSize,
                newBytes: firstUse[record.bundleSha256] == record.id ? record.bundleSize : 0,
                verified: record.verification?.ok, loaded: record.load?.ok, preRestore: record.isPreRestore,
                pinned: record.pinned == true, tags: record.tags, note: record.note)
        }
    }

    /// The store's bytes after each snapshot in `shown`: every distinct bundle of the store's
    /// snapshots taken by then.
    private static func sizes(_ shown: [SnapshotRecord], all: [SnapshotRecord]) -> [SizePoint] {
        var seen: Set<String> = []
        var bytes: Int64 = 0
        var points: [SizePoint] = []
        let first = shown.first.map { ($0.created, $0.id) }
        for record in all.sorted(by: { ($0.created, $0.id) < ($1.created, $1.id) }) {
            if seen.insert(record.bundleSha256).inserted { bytes += record.bundleSize }
            if let first, (record.created, record.id) >= first,
                shown.last.map({ record.created <= $0.created }) ?? false
            {
                if let last = points.last, last.time == record.created {
                    points[points.count - 1].bytes = bytes
                } else {
                    points.append(SizePoint(time: record.created, bytes: bytes))
                }
            }
        }
        return points
    }

    private static func events(_ entries: [AuditEntry]) -> [Event] {
        entries.filter { markedActions.contains($0.action) || $0.outcome != "ok" }.map { entry in
            Event(
                seq: entry.seq, time: entry.time, action: entry.action, outcome: entry.outcome, nodes: entry.nodes,
                snapshots: entry.snapshots, user: entry.user, host: entry.host, error: entry.error)
        }
    }

    private static func actors(_ entries: [AuditEntry]) -> [Actor] {
        var byKey: [String: Actor] = [:]
        for entry in entries {
            let key = [entry.user, entry.host, entry.action].joined(separator: "\u{0}")
            var actor =
                byKey[key]
                ?? Actor(user: entry.user, host: entry.host, action: entry.action, runs: 0, failed: 0, last: entry.time)
            actor.runs += 1
            if entry.outcome != "ok" { actor.failed += 1 }
            actor.last = max(actor.last, entry.time)
            byKey[key] = actor
        }
        return byKey.values.sorted { ($0.user, $0.host, $0.action) < ($1.user, $1.host, $1.action) }
    }
}
