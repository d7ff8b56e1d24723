import Foundation

/// What `prune` decided for one snapshot, and why.
package struct RetentionDecision: Codable, Sendable, Equatable {
    package var id: String
    package var node: String
    package var version: Int
    package var created: Date
    package var keep: Bool
    /// Every reason it is kept (`daily 2026-11-28`, `newest of manager_0`, `last loaded of
    /// manager_0`, `pinned`); empty when removed.
    package var reasons: [String]
    /// The remote the decision is about, for a prune of an off-site copy (`offsite.keep`);
    /// nil for the store's own snapshots.
    package var remote: String?
}

/// Retention: a pure function from snapshots, rules and the clock to keep/remove decisions.
///
/// "Newest" means the highest version (versions are given out under the store lock; the
/// `created` times come from a clock that may have been wrong). Per node, regular captures
/// (everything but `pre-restore` snapshots), highest version first:
/// - `last N` keeps the N highest versions.
/// - A calendar rule (`hourly`, `daily`, `weekly`, `monthly`, `yearly`) with count N keeps the
///   newest snapshot (highest version) of each of the N newest buckets that hold a snapshot,
///   buckets taken by `created` in the policy's time zone (weeks are ISO weeks), newest
///   bucket first by the highest version it holds. Buckets without snapshots do not count.
///   When a rule still has count left after the oldest snapshot (lowest version), that
///   oldest snapshot is kept too, so a young store keeps its longest history (restic's rule).
/// - `within D` keeps everything created less than D before the `created` of the node's
///   highest version.
/// - Rules are ORed; one snapshot may satisfy several.
/// Above every rule: the node's newest regular capture, pinned snapshots, the node's newest
/// regular capture that passed `verify` and its newest one proven to load (`verify --load`,
/// `load.ok`) are always kept. `pre-restore` snapshots (the managers' files a restore
/// replaced) are a series of their own: never "newest", never counted by the rules above,
/// kept while younger than ``RetentionRules/preRestore`` (counted from `now`).
package enum Retention {
    /// Decides for every record.
    /// - Parameters:
    ///   - records: every record, in any order.
    ///   - pinned: ids that are pinned.
    ///   - now: the clock, for how long `pre-restore` snapshots are held.
    package static func decide(
        _ records: [SnapshotRecord], rules: RetentionRules, timeZone: TimeZone, pinned: Set<String>, now: Date
    ) -> [RetentionDecision] {
        var reasons: [String: [String]] = [:]
        func keep(_ record: SnapshotRecord, _ reason: String) { reasons[record.id, default: []].append(reason) }
        let byNode = Dictionary(grouping: records, by: \.node)
        for node in byNode.keys.sorted() {
            let all = (byNode[node] ?? []).sorted { $0.version > $1.version }
            let preRestore = all.filter(\.isPreRestore)
            let group = all.filter { !$0.isPreRestore }
            for record in preRestore where now.timeIntervalSince(record.created) < rules.preRestore {
                keep(record, "pre-restore (held \(DurationText.format(rules.preRestore)))")
            }
            guard let newest = group.first, let oldest = group.last else { continue }
            keep(newest, "newest of \(node)")
            if let verified = group.first(where: { $0.verification?.ok == true }) {
                keep(verified, "last verified of \(node)")
            }
            if let loaded = group.first(where: { $0.load?.ok == true }) {
                keep(loaded, "last loaded of \(node)")
            }
            if let last = rules.last, last > 0 {
                for record in group.prefix(last) { keep(record, "last \(last)") }
            }
            for (bucket, count) in rules.calendarRules {
                var seen: Set<String> = []
                var keptOldest = false
                for record in group {
                    let label = bucket.label(of: record.created, in: timeZone)
                    guard !seen.contains(label) else { continue }
                    guard seen.count < count else { break }
                    seen.insert(label)
                    keptOldest = record.id == oldest.id
                    keep(record, "\(bucket.rawValue) \(label)")
                }
                if seen.count < count && !keptOldest { keep(oldest, "\(bucket.rawValue) oldest") }
            }
            if let within = rules.within, within > 0 {
                for record in group where newest.created.timeIntervalSince(record.created) < within {
                    keep(record, "within \(DurationText.format(within))")
                }
            }
        }
        for record in records where pinned.contains(record.id) { keep(record, "pinned") }
        return records.sorted { ($0.node, $1.version) < ($1.node, $0.version) }.map { record in
            let why = reasons[record.id] ?? []
            return RetentionDecision(
                id: record.id, node: record.node, version: record.version, created: record.created,
                keep: !why.isEmpty, reasons: why)
        }
    }
}

extension Retention {
    /// `decisions` with every base a kept delta needs kept too (`base of v41`), down its
    /// whole chain: a delta cannot be read without them, so no rule may remove one while a
    /// kept snapshot depends on it. When a kept delta's chain cannot be read (a link's record
    /// damaged or gone), every older snapshot of its node is kept.
    package static func keepingBases(_ decisions: [RetentionDecision], of records: [SnapshotRecord])
        -> [RetentionDecision]
    {
        var decisions = decisions
        let index = Dictionary(decisions.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        // The snapshots kept for their own sake; a base kept only as a base names them.
        let keptByRules = Set(decisions.filter(\.keep).map(\.id))
        let links = DeltaLinks(records)
        for record in records.sorted(by: { $0.version > $1.version })
        where record.deltaBase != nil && keptByRules.contains(record.id) {
            guard let chain = try? Store.deltaChain(of: record, in: links) else {
                // A link's record cannot be read (damaged, or gone): whatever the chain
                // holds of what is left is kept, every older snapshot of the node.
                for older in records where older.node == record.node && older.version < record.version {
                    guard let at = index[older.id], !keptByRules.contains(older.id) else { continue }
                    decisions[at].keep = true
                    decisions[at].reasons.append("older than v\(record.version), whose chain cannot be read")
                }
                continue
            }
            for base in chain {
                guard let at = index[base.id], !keptByRules.contains(base.id) else { continue }
                decisions[at].keep = true
                decisions[at].reasons.append("base of v\(record.version)")
            }
        }
        return decisions
    }
}
