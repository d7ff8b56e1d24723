import Foundation

/// What `snap report` is asked for.
package struct ReportOptions: Sendable {
    /// The period: from `since` (nil: the beginning) to `until` (nil: now).
    package var since: Date?
    package var until: Date?
    /// Only this node.
    package var node: String?
    /// The policy to judge by (else the config's, else `default` when there is one).
    package var policy: String?
    /// Where to write the HTML page; nil to only return the report (`--json`).
    package var htmlPath: String?

    package init(
        since: Date? = nil, until: Date? = nil, node: String? = nil, policy: String? = nil, htmlPath: String? = nil
    ) {
        self.since = since
        self.until = until
        self.node = node
        self.policy = policy
        self.htmlPath = htmlPath
    }
}

/// The `snap report` use case: the store's history over a period, judged as `check` and
/// `prune --dry-run` would judge it now, with the audit chain verified, audited as `report`.
package enum ReportOperation {
    /// Reads what the report shows under the store lock (so no writer is halfway through
    /// it), makes the report and writes the HTML page atomically when asked, outside the
    /// lock, then appends the `report` audit entry (failed when the page could not be
    /// written). A `--until` after now ends at now: runs to come are not missed yet.
    /// - Throws: ``PolicyError`` for a policy that does not load; ``ReportError`` for a
    ///   period that ends before it begins or a node the store has never seen; what the store
    ///   and the file system throw.
    package static func run(_ options: ReportOptions, in session: Session) throws -> AuditReport {
        let now = Date()
        let until = min(options.until ?? now, now)
        if let since = options.since, since > until {
            throw ReportError.emptyPeriod(since: since, until: until)
        }
        let policy = try session.policies.chooseIfAny(named: options.policy, configured: session.config?.policy)
        let thresholds = try CheckOperation.thresholds(CheckOptions(policy: options.policy), in: session)
        let store = try session.openStore()
        let managers = session.config?.managers.map(\.name) ?? []
        let sources = try store.withLock(by: session.invocation) { _ in
            let set = try store.loadRecords(.withoutTables)
            let known = Set(set.records.map(\.node) + managers)
            if let node = options.node, !known.contains(node) {
                throw ReportError.unknownNode(node, known: known.sorted())
            }
            let audit = try store.audit.verifiedEntries()
            return ReportSources(
                records: set.records, entries: audit.entries, verification: audit.verification,
                store: AuditReport.StoreFacts(
                    id: store.storeId, path: store.root, snapshots: set.records.count,
                    bytes: Dictionary(set.records.map { ($0.bundleSha256, $0.bundleSize) }, uniquingKeysWith: max)
                        .values.reduce(0, +)),
                policy: policy, scheduledNodes: managers.isEmpty ? nil : managers,
                scheduleZone: .current,
                states: states(
                    CheckOperation.judge(
                        set, in: store, thresholds: thresholds, policy: policy, session: session, now: now),
                    nodes: known),
                restores: restores(in: store),
                retention: policy.map { policy in
                    PruneOperation.decide(
                        set.records, rules: policy.keep, timeZone: policy.timeZone, now: now,
                        held: store.heldByRestores())
                } ?? [])
        }
        let report = AuditReport.assemble(
            sources, period: AuditReport.Period(since: options.since, until: until, node: options.node), now: now,
            by: (user: ToolInfo.user, host: ToolInfo.host))
        var written: (any Error)?
        if let path = options.htmlPath {
            do {
                try FileOps.writeAtomically(ReportPage.render(report), to: path, mode: 0o644)
            } catch {
                written = error
            }
        }
        try store.withLock("report", by: session.invocation) { _, facts in
            facts.nodes = report.nodes.map(\.node)
            if let written { throw written }
        }
        return report
    }

    /// Each node's worst state from `check`'s results, with their messages.
    private static func states(_ results: [FreshnessCheck.NodeResult], nodes: Set<String>) -> [String: (
        state: String, message: String
    )] {
        var states: [String: (state: FreshnessCheck.State, message: String)] = [:]
        for result in results where nodes.contains(result.node) {
            if let known = states[result.node] {
                states[result.node] = (max(known.state, result.state), known.message + "; " + result.message)
            } else {
                states[result.node] = (result.state, result.message)
            }
        }
        return states.mapValues { (state: $0.state.label, message: $0.message) }
    }

    /// Every restore of the store, from its journal; one whose journal cannot be read is
    /// listed as such, dated by its folder.
    private static func restores(in store: Store) -> [AuditReport.RestoreRow] {
        ((try? FileOps.listDirectory(store.restoresDirectory)) ?? []).map { id in
            guard let journal = try? store.journal(id) else {
                let folder = (try? FileOps.status(store.restoreDirectory(id)))??.st_mtim.tv_sec
                let when = folder.map { Date(timeIntervalSince1970: TimeInterval($0)) }
                return AuditReport.RestoreRow(
                    id: id, snapshot: "?", mode: "?", modeReason: "", targets: [], started: when, updated: when,
                    seconds: 0, phase: "unreadable", steps: 0, lastStep: nil,
                    failure: "its journal cannot be read: run `snap restore --resume \(id)` to see why",
                    rescueSnapshots: [:])
            }
            let plan = journal.plan
            let last = journal.states.lastIndex { $0 != .pending }.flatMap { index in
                plan.steps.indices.contains(index) ? plan.steps[index] : nil
            }
            return AuditReport.RestoreRow(
                id: id, snapshot: plan.snapshot, mode: plan.mode.rawValue, modeReason: plan.modeReason,
                targets: plan.targets, started: journal.started, updated: journal.updated,
                seconds: journal.updated.timeIntervalSince(journal.started), phase: journal.phase.rawValue,
                steps: plan.steps.count, lastStep: last.map { "\($0.number). \($0.title)" }, failure: journal.failure,
                rescueSnapshots: journal.preRestoreSnapshots)
        }
        .sorted { ($0.started ?? .distantPast, $0.id) < ($1.started ?? .distantPast, $1.id) }
    }
}

/// `snap report` cannot make the report asked for.
package enum ReportError: SnapFailure, Equatable {
    case emptyPeriod(since: Date, until: Date)
    case unknownNode(String, known: [String])

    package var exitStatus: ExitStatus { .usage }
    package var description: String {
        switch self {
        case .emptyPeriod(let since, let until):
            return "the period is empty: --since \(UTCTime.format(since)) is after --until \(UTCTime.format(until))"
        case .unknownNode(let node, let known):
            return "no snapshot or manager is named \(node)"
                + (known.isEmpty ? "" : "; the store knows \(known.joined(separator: ", "))")
        }
    }
}
