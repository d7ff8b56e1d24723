import Foundation

extension Policy {
    /// The policy's `verify_load`: when `snap create` proves that snapshots load (`snap verify
    /// --load`: the snapshot booted in a private Erlang node), which ``LoadVerdict`` records.
    ///
    /// ```yaml
    /// verify_load: daily   # after_create | hourly | daily | weekly | off (the default)
    /// ```
    package enum VerifyLoad: Sendable, Equatable {
        /// No rehearsal by `create` (the default).
        case off
        /// Each `create` run rehearses every snapshot it made.
        case afterCreate
        /// Each `create` run rehearses each captured node's newest snapshot when that node's
        /// newest snapshot proven to load is older than this many seconds (or there is none).
        case every(Double)

        /// The values the key takes, as the file spells them.
        static let names = ["after_create", "hourly", "daily", "weekly", "off"]

        /// The value `name` spells (one of ``names``), nil for anything else.
        init?(name: String) {
            switch name {
            case "off": self = .off
            case "after_create": self = .afterCreate
            case "hourly": self = .every(3600)
            case "daily": self = .every(86_400)
            case "weekly": self = .every(7 * 86_400)
            default: return nil
            }
        }

        /// The value as the policy file spells it (`daily`); a period no name fits as a
        /// duration (`36h`).
        package var name: String {
            switch self {
            case .off: return "off"
            case .afterCreate: return "after_create"
            case .every(3600): return "hourly"
            case .every(86_400): return "daily"
            case .every(604_800): return "weekly"
            case .every(let seconds): return DurationText.format(seconds)
            }
        }

        /// What each `create` run does about loading, as `snap cron` says it after "Each run
        /// also " (`proves the new snapshots load (verify_load: after_create)`); nil when off.
        package var cronSummary: String? {
            switch self {
            case .off:
                return nil
            case .afterCreate:
                return "proves the new snapshots load (verify_load: after_create)"
            case .every(let seconds):
                let period: String
                switch seconds {
                case 3600: period = "once an hour"
                case 86_400: period = "once a day"
                case 604_800: period = "once a week"
                default: period = "once every \(DurationText.format(seconds))"
                }
                return "proves each node's newest snapshot loads \(period) (verify_load: \(name))"
            }
        }

        /// The snapshots a `create` run should rehearse (`verify --load`) after making `created`.
        ///
        /// - ``off``: none.
        /// - ``afterCreate``: the ones it made.
        /// - ``every(_:)``: for each node of `created`, that node's newest regular capture
        ///   (highest version; never a `pre-restore` snapshot) when the node's newest snapshot
        ///   that loaded (`load.ok`) was created longer than the period before `now`, or there
        ///   is none: a failed rehearsal proves nothing. A newest capture whose own rehearsal
        ///   (passed or failed) is younger than the period is not rehearsed again.
        ///
        /// Pure: the caller runs the rehearsals and records their verdicts.
        /// - Parameters:
        ///   - created: the snapshots this run made, in the order it made them.
        ///   - all: the store's records (those of `created` may be among them or not).
        ///   - now: the clock.
        /// - Returns: the snapshots to rehearse, each once, in the order of `created`'s nodes.
        package func snapshotsToRehearse(created: [SnapshotRecord], all: [SnapshotRecord], now: Date)
            -> [SnapshotRecord]
        {
            switch self {
            case .off:
                return []
            case .afterCreate:
                return created.filter { !$0.isPreRestore }
            case .every(let period):
                var known = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
                for record in created where known[record.id] == nil { known[record.id] = record }
                var nodes: [String] = []
                for record in created where !nodes.contains(record.node) { nodes.append(record.node) }
                return nodes.compactMap { node in
                    let mine = known.values.filter { $0.node == node && !$0.isPreRestore }
                        .sorted { $0.version > $1.version }
                    guard let newest = mine.first else { return nil }
                    if let loaded = mine.first(where: { $0.load?.ok == true }),
                        now.timeIntervalSince(loaded.created) <= period
                    {
                        return nil
                    }
                    if let verdict = newest.load, now.timeIntervalSince(verdict.checked) <= period { return nil }
                    return newest
                }
            }
        }
    }

    /// True when the policy asks for snapshots proven to load: `verify_load` is not `off`, or
    /// `freshness.load_warn` is set. Only then does `snap check` judge loading.
    package var asksForLoad: Bool { verifyLoad != .off || freshnessLoadWarn != nil }
}
