import Foundation

/// A snapshot whose `created` time cannot be right: later than now, or earlier than that of
/// the same node's snapshot with the next lower version.
///
/// snap orders snapshots by version (given out under the lock, never by the clock), so such
/// a snapshot is still placed where it belongs; the warning says that the clock of the host
/// that made it was wrong, and that its date (shown by `list`, used by calendar retention
/// and by `check`'s age) is not to be trusted.
package struct ClockWarning: Codable, Sendable, Equatable {
    /// Why the date cannot be right.
    package enum Kind: String, Codable, Sendable {
        /// Created after now (by more than ``ClockWarning/tolerance``).
        case future
        /// Created before the snapshot of the same node with the next lower version.
        case beforePrevious = "before_previous"
    }

    /// How far a date may be off before it is reported (5 minutes): clocks kept in step by
    /// NTP still differ a little between hosts and are stepped now and then.
    package static let tolerance: Double = 300

    package var id: String
    package var version: Int
    package var node: String
    package var created: Date
    package var kind: Kind
    /// For ``Kind/beforePrevious``: the version made just before this one.
    var previousVersion: Int?
    /// The date it was compared with: now, or the previous version's `created`.
    var comparedWith: Date
    /// The warning in words, naming the version, its date and why.
    package var message: String

    init(_ record: SnapshotRecord, kind: Kind, comparedWith: Date, previousVersion: Int? = nil) {
        id = record.id
        version = record.version
        node = record.node
        created = record.created
        self.kind = kind
        self.previousVersion = previousVersion
        self.comparedWith = comparedWith
        let when = UTCTime.format(record.created, separator: " ")
        let gap = DurationText.approximate(abs(record.created.timeIntervalSince(comparedWith)))
        switch kind {
        case .future:
            message =
                "v\(version) of \(node) (\(id)) is dated \(when), \(gap) in the future: "
                + "the clock was ahead when it was made, or is behind now"
        case .beforePrevious:
            message =
                "v\(version) of \(node) (\(id)) is dated \(when), \(gap) before v\(previousVersion ?? 0) "
                + "(\(UTCTime.format(comparedWith, separator: " "))), which was made before it: "
                + "the clock went back between them"
        }
    }

    /// The snapshots of `records` whose dates cannot be right, by node, then version.
    ///
    /// Every snapshot counts, pre-restore ones too: their dates come from the same clock.
    /// - Parameters:
    ///   - records: the store's records, in any order.
    ///   - now: the clock to compare with.
    ///   - tolerance: how far off a date may be before it is reported (``tolerance``).
    package static func find(in records: [SnapshotRecord], now: Date, tolerance: Double = Self.tolerance)
        -> [ClockWarning]
    {
        let byNode = Dictionary(grouping: records, by: \.node)
        var warnings: [ClockWarning] = []
        for node in byNode.keys.sorted() {
            let series = (byNode[node] ?? []).sorted { $0.version < $1.version }
            for (index, record) in series.enumerated() {
                if record.created.timeIntervalSince(now) > tolerance {
                    warnings.append(ClockWarning(record, kind: .future, comparedWith: now))
                }
                if index > 0, series[index - 1].created.timeIntervalSince(record.created) > tolerance {
                    let previous = series[index - 1]
                    warnings.append(
                        ClockWarning(
                            record, kind: .beforePrevious, comparedWith: previous.created,
                            previousVersion: previous.version))
                }
            }
        }
        return warnings
    }
}
