import Foundation

/// What the report is made of, gathered by the use case (``ReportOperation``): the store's
/// records and audit log as read, and the verdicts other parts of snap give.
package struct ReportSources: Sendable {
    package var records: [SnapshotRecord]
    package var entries: [AuditEntry]
    package var verification: AuditVerification
    package var store: AuditReport.StoreFacts
    package var policy: Policy?
    /// The nodes cron captures (snap.yaml's managers), whose runs the schedule is held
    /// against; nil: every node the store has snapshots of.
    package var scheduledNodes: [String]?
    /// The zone cron reads the schedule in: this host's.
    package var scheduleZone: TimeZone
    /// What `snap check` says of each node: its state label and message.
    package var states: [String: (state: String, message: String)]
    /// Every restore, from its journal.
    package var restores: [AuditReport.RestoreRow]
    /// What the next prune would decide.
    package var retention: [RetentionDecision]

    package init(
        records: [SnapshotRecord], entries: [AuditEntry], verification: AuditVerification,
        store: AuditReport.StoreFacts, policy: Policy?, scheduledNodes: [String]? = nil,
        scheduleZone: TimeZone, states: [String: (state: String, message: String)],
        restores: [AuditReport.RestoreRow], retention: [RetentionDecision]
    ) {
        self.records = records
        self.entries = entries
        self.verification = verification
        self.store = store
        self.policy = policy
        self.scheduledNodes = scheduledNodes
        self.scheduleZone = scheduleZone
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
    package static func assemble(
        _ sources: ReportSources, period: Period, now: Date, by maker: (user: String, host: String)
    ) -> AuditReport {
        func inPeriod(_ date: Date) -> Bool { (period.since.map { date >= $0 } ?? true) && date <= period.until }
        func forNode(_ nodes: [String]) -> Bool { period.node.map { nodes.isEmpty || nodes.contains($0) } ?? true }
        let records = sources.records.filter { period.node == nil || $0.node == period.node }
        // Every snapshot of the store, oldest first: a bundle's bytes count for the first to use it.
        let chronological = sources.records.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
        let shown = chronological.filter { (period.node == nil || $0.node == period.node) && inPeriod($0.created) }
        let entries = sources.entries.filter { inPeriod($0.time) && forNode($0.nodes) }
        let nodeNames = Set(records.map(\.node)).union(sources.states.keys).filter { name in
            period.node.map { $0 == name } ?? true
        }
        let nodes = nodeNames.sorted().map { node in
            nodeRow(node, records: records, shown: shown, sources: sources, period: period, now: now)
        }
        return AuditReport(
            generated: now, snapVersion: ToolInfo.version, user: maker.user, host: maker.host,
            store: sources.store, period: period,
            policy: sources.policy.map { policy in
                PolicyFacts(
                    path: policy.path, schedule: policy.schedule, timeZone: policy.timeZone.identifier,
                    scheduleTimeZone: sources.scheduleZone.identifier,
                    freshnessWarnSeconds: policy.freshnessWarn,
                    freshnessCritSeconds: policy.freshnessCrit)
            },
            nodes: nodes, snapshots: marks(shown, all: chronological), events: events(entries),
            sizes: sizes(shown, all: chronological),
            restores: sources.restores.filter { restore in
                // A restore whose journal cannot be read is always shown: it may be any node's.
                restore.phase == "unreadable"
                    || (restore.started.map(inPeriod) ?? true
                        && (period.node.map { restore.targets.contains($0) } ?? true))
            }, actors: actors(entries),
            evidence: Evidence(
                chainOk: sources.verification.ok, entries: sources.verification.count,
                headSeq: sources.verification.headSeq, headHash: sources.verification.headHash,
                problem: sources.verification.problem, tornTailBytes: sources.verification.tornTailBytes),
            retention: sources.retention.filter { period.node == nil || $0.node == period.node })
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
        // The schedule is held against the nodes cron captures, read in cron's zone.
        guard let policy = sources.policy, let schedule = policy.cronSchedule,
            sources.scheduledNodes?.contains(node) ?? true
        else { return row }
        // Captures are the node's snapshots the store holds, and the runs the audit log says
        // made one of it that was pruned since (a partial run that made as many snapshots as
        // it named nodes, too); failures, the other runs. A run counts from when it began.
        let held = Set(records.filter { $0.node == node }.map(\.id))
        let creates = sources.entries.filter { $0.action == "create" && $0.nodes.contains(node) }
        func began(_ entry: AuditEntry) -> Date { entry.time.addingTimeInterval(-Double(entry.durationMs) / 1000) }
        func madeOne(_ entry: AuditEntry) -> Bool {
            entry.outcome == "ok" || (entry.outcome == "partial" && entry.snapshots.count >= entry.nodes.count)
        }
        let remembered = creates.filter { madeOne($0) && !$0.snapshots.contains(where: held.contains) }
        let captures =
            mine.map { (id: $0.id, created: $0.created) }
            + remembered.map { (id: $0.snapshots.first ?? "audit entry \($0.seq)", created: began($0)) }
        let failures = creates.filter { !madeOne($0) && !$0.snapshots.contains(where: held.contains) }.map(began)
        // Runs are judged up to the period's end, or an hour (the grace) before now.
        let runs = ScheduledRuns.runs(
            of: schedule, in: sources.scheduleZone, from: period.since ?? .distantPast,
            to: min(period.until.addingTimeInterval(ScheduledRuns.defaultGrace), now), captures: captures,
            failures: failures)
        row.expectedRuns = runs.count
        row.missedRuns = runs.filter { $0.outcome == .missed }.count
        row.failedRuns = runs.filter { $0.outcome == .failed }.count
        row.unmetRuns = runs.filter { $0.outcome != .captured }.map {
            UnmetRun(expected: $0.expected, outcome: $0.outcome.rawValue, at: $0.at)
        }
        return row
    }

    /// Marks of `shown`; a bundle's bytes are new the first time any snapshot of the store
    /// (`all`, oldest first) uses it.
    private static func marks(_ shown: [SnapshotRecord], all: [SnapshotRecord]) -> [SnapshotMark] {
        var firstUse: [String: String] = [:]
        for record in all where firstUse[record.bundleSha256] == nil {
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
    /// snapshots (`all`, oldest first) taken by then.
    private static func sizes(_ shown: [SnapshotRecord], all: [SnapshotRecord]) -> [SizePoint] {
        var seen: Set<String> = []
        var bytes: Int64 = 0
        var points: [SizePoint] = []
        let first = shown.first.map { ($0.created, $0.id) }
        for record in all {
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
