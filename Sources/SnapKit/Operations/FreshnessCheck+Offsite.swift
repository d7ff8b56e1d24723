import Foundation

extension FreshnessCheck {
    /// Adds each node's off-site state to `results`: a node whose newest snapshot copied to
    /// `remote` is older than `warn`, or that has none there, warns.
    static func judgeOffsite(
        _ results: inout [NodeResult], records: [SnapshotRecord], remote: String, warn: Double, now: Date
    ) {
        for index in results.indices where results[index].newest != nil {
            let node = results[index].node
            let copied = records.filter { $0.node == node && !$0.isPreRestore && $0.copy(on: remote) != nil }
                .max { $0.version < $1.version }
            guard let copied else {
                results[index].message += ", no copy on remote \(remote)"
                results[index].state = max(results[index].state, .warning)
                continue
            }
            let age = now.timeIntervalSince(copied.created)
            results[index].message +=
                ", newest on remote \(remote) v\(copied.version) \(DurationText.approximate(age)) ago"
            if age > warn { results[index].state = max(results[index].state, .warning) }
        }
    }
}
