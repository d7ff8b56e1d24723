import Foundation

extension FreshnessCheck {
    /// Adds each node's load state to `results`, for a policy that asks for snapshots proven
    /// to load (``Policy/asksForLoad``), among the node's regular captures, newest meaning
    /// the highest version: a node none of whose snapshots ever loaded (`load.ok`) is
    /// critical; one whose newest snapshot that loaded was created longer than `warn` ago
    /// warns; one whose newest rehearsed snapshot failed to load warns, naming it and its
    /// first problem (an older snapshot still loads, or the node is critical already).
    /// Nodes without any snapshot are left as they are (already critical).
    /// - Parameter warn: `freshness.load_warn`, in seconds; nil: no age threshold.
    package static func judgeLoad(_ results: inout [NodeResult], records: [SnapshotRecord], warn: Double?, now: Date) {
        for index in results.indices where results[index].newest != nil {
            let node = results[index].node
            let mine = records.filter { $0.node == node && !$0.isPreRestore }.sorted { $0.version > $1.version }
            var parts: [String] = []
            var state = results[index].state
            if let loaded = mine.first(where: { $0.load?.ok == true }) {
                let age = now.timeIntervalSince(loaded.created)
                parts.append("newest loaded v\(loaded.version) \(DurationText.approximate(age)) ago")
                if let warn, age > warn { state = max(state, .warning) }
            } else {
                parts.append("none proven to load")
                state = .critical
            }
            if let rehearsed = mine.first(where: { $0.load != nil }), let verdict = rehearsed.load, !verdict.ok {
                let problem = verdict.problems?.first.map { ": \($0)" } ?? ""
                parts.append("v\(rehearsed.version) FAILED to load\(problem)")
                state = max(state, .warning)
            }
            results[index].message += ", " + parts.joined(separator: ", ")
            results[index].state = state
        }
    }
}
