import Foundation

/// The `keep` section of a policy: which snapshots survive `snap prune`.
///
/// Rules are ORed: a snapshot is kept when any rule keeps it, and one snapshot may satisfy
/// several. See ``Retention`` for the exact semantics.
package struct RetentionRules: Codable, Sendable, Equatable {
    /// The newest N snapshots of each node.
    package var last: Int?
    package var hourly: Int?
    package var daily: Int?
    package var weekly: Int?
    package var monthly: Int?
    package var yearly: Int?
    /// Everything newer than this many seconds before the node's newest snapshot.
    package var within: Double?
    /// How long `pre-restore` snapshots are kept, in seconds counted from now (policy key
    /// `keep: pre_restore`, default ``defaultPreRestore``). They are a series of their own:
    /// no other rule counts them.
    package var preRestore: Double

    /// Seven days: the time an operator has to notice that a restore brought back the wrong
    /// snapshot and restore the files it replaced.
    package static let defaultPreRestore: Double = 7 * 86_400

    /// Rules as a policy's `keep` section gives them; counts and `within` unset keep nothing.
    package init(
        last: Int? = nil, hourly: Int? = nil, daily: Int? = nil, weekly: Int? = nil, monthly: Int? = nil,
        yearly: Int? = nil, within: Double? = nil, preRestore: Double = Self.defaultPreRestore
    ) {
        self.last = last
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
        self.within = within
        self.preRestore = preRestore
    }

    /// True when no rule keeps any regular capture (``preRestore`` does not count).
    package var isEmpty: Bool {
        [last, hourly, daily, weekly, monthly, yearly].allSatisfy { ($0 ?? 0) == 0 } && (within ?? 0) == 0
    }

    /// The calendar rules with their counts, longest period last.
    var calendarRules: [(CalendarBucket, Int)] {
        [(.hourly, hourly), (.daily, daily), (.weekly, weekly), (.monthly, monthly), (.yearly, yearly)]
            .compactMap { rule, count in count.flatMap { $0 > 0 ? (rule, $0) : nil } }
    }
}

/// A calendar period of a retention rule, in the policy's time zone.
enum CalendarBucket: String, Sendable, CaseIterable {
    case hourly, daily, weekly, monthly, yearly

    /// The bucket `date` falls in, as a label (`2026-11-28`, `2026-W48`, `2026-11-28 13h`).
    /// Weeks are ISO weeks (Monday first, week 1 holds the year's first Thursday).
    package func label(of date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour], from: date)
        let year = parts.year ?? 0
        let month = parts.month ?? 0
        let day = parts.day ?? 0
        switch self {
        case .hourly: return String(format: "%04d-%02d-%02d %02dh", year, month, day, parts.hour ?? 0)
        case .daily: return String(format: "%04d-%02d-%02d", year, month, day)
        case .weekly:
            var iso = Calendar(identifier: .iso8601)
            iso.timeZone = zone
            let week = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return String(format: "%04d-W%02d", week.yearForWeekOfYear ?? 0, week.weekOfYear ?? 0)
        case .monthly: return String(format: "%04d-%02d", year, month)
        case .yearly: return String(format: "%04d", year)
        }
    }
}
