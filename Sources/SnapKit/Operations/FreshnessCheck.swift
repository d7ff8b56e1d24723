import Foundation

/// `snap check`: how fresh and how verified each node's snapshots are (Nagios semantics).
package struct FreshnessCheck: Sendable {
    /// Nagios states, worst last.
    package enum State: Int, Codable, Sendable, Comparable {
        case ok = 0, warning = 1, critical = 2, unknown = 3

        package static func < (lhs: State, rhs: State) -> Bool { lhs.rawValue < rhs.rawValue }

        package var label: String {
            switch self {
            case .ok: return "OK"
            case .warning: return "WARNING"
            case .critical: return "CRITICAL"
            case .unknown: return "UNKNOWN"
            }
        }
    }

    /// One node's verdict.
    package struct NodeResult: Codable, Sendable, Equatable {
        package var node: String
        package var state: State
        /// `created` of the node's newest regular capture (highest version).
        package var newest: Date?
        var newestAgeSeconds: Double?
        var newestVerified: Date?
        package var message: String
        /// The node's snapshots whose dates cannot be right (``ClockWarning``).
        package var clockWarnings: [ClockWarning] = []
    }

    /// Judges each node by its regular captures (`pre-restore` snapshots are not backups the
    /// node made), newest meaning the highest version: the newest one's age against
    /// `warn`/`crit`; no verified snapshot, or a newest verified one older than `crit`,
    /// warns; an unfinished restore is critical; a node with no snapshot at all is
    /// critical. A snapshot dated in the future or before the version made before it warns
    /// (``ClockWarning``), and a newest one dated in the future is never counted as fresh.
    /// Record files that cannot be read (`damagedRecords`, their paths) warn, as one more
    /// line for the store.
    package static func evaluate(
        records: [SnapshotRecord], nodes: [String], unfinishedRestores: [String], damagedRecords: [String] = [],
        warn: Double, crit: Double, now: Date
    ) -> [NodeResult] {
        let names = Array(Set(nodes + records.map(\.node))).sorted()
        let clockWarnings = Dictionary(grouping: ClockWarning.find(in: records, now: now), by: \.node)
        var results = names.map { node in
            let warnings = clockWarnings[node] ?? []
            let mine = records.filter { $0.node == node && !$0.isPreRestore }.sorted { $0.version > $1.version }
            guard let newest = mine.first else {
                let preRestore = records.contains { $0.node == node }
                return NodeResult(
                    node: node, state: .critical, newest: nil, newestAgeSeconds: nil, newestVerified: nil,
                    message: "no snapshot of \(node)" + (preRestore ? " (only pre-restore snapshots)" : ""),
                    clockWarnings: warnings)
            }
            let age = now.timeIntervalSince(newest.created)
            var state: State = age > crit ? .critical : (age > warn ? .warning : .ok)
            var parts = ["newest v\(newest.version) \(DurationText.approximate(age)) ago"]
            if -age > ClockWarning.tolerance {
                parts = ["newest v\(newest.version) is dated in the future, so its age is unknown"]
                state = max(state, .warning)
            }
            if newest.verification?.ok == false {
                parts.append("v\(newest.version) FAILED verification")
                state = max(state, .warning)
            }
            let verified = mine.first { $0.verification?.ok == true }
            if let verified {
                let verifiedAge = now.timeIntervalSince(verified.created)
                parts.append("newest verified v\(verified.version) \(DurationText.approximate(verifiedAge)) ago")
                if verifiedAge > crit { state = max(state, .warning) }
            } else {
                parts.append("none verified")
                state = max(state, .warning)
            }
            for warning in warnings {
                parts.append("clock: \(warning.message)")
                state = max(state, .warning)
            }
            if !unfinishedRestores.isEmpty {
                parts.append("unfinished restore \(unfinishedRestores.joined(separator: ", "))")
                state = .critical
            }
            return NodeResult(
                node: node, state: state, newest: newest.created, newestAgeSeconds: age,
                newestVerified: verified?.created, message: parts.joined(separator: ", "), clockWarnings: warnings)
        }
        if !damagedRecords.isEmpty {
            results.append(
                NodeResult(
                    node: "store", state: .warning, newest: nil, newestAgeSeconds: nil, newestVerified: nil,
                    message: "damaged snapshot records: \(damagedRecords.joined(separator: ", ")); "
                        + "run \(Remedy.verifyAll)"))
        }
        return results
    }
}
