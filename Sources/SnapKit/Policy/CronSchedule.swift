import Foundation

/// A policy's `schedule`: a five-field cron expression (minute hour day-of-month month
/// day-of-week) read as Vixie cron and cronie read it, so that snap can say when `snap cron`'s
/// crontab line runs.
///
/// Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma-separated
/// list of these. Months may be named `jan`...`dec` and days of the week `sun`...`sat`, in any
/// case; day-of-week 0 and 7 are both Sunday. When both day-of-month and day-of-week are
/// restricted (neither field begins with `*`), a day matches when either does:
/// `0 3 1,15 * mon` runs on the 1st, the 15th and every Monday. `@hourly`, `@daily`
/// (`@midnight`), `@weekly`, `@monthly` and `@yearly` (`@annually`) stand for `0 * * * *`,
/// `0 0 * * *`, `0 0 * * 0`, `0 0 1 * *` and `0 0 1 1 *`. A single value with a step (`5/10`)
/// is refused: cronie reads it as plain `5`, which is never what was meant.
///
/// Times are wall-clock times in the zone cron runs in, and daylight saving time moves them
/// as cronie's main loop does. A *fixed-time* schedule is one whose minute and hour fields both
/// begin with something other than `*` (numbers, ranges, lists: `30 2 * * *`, `0 1-5 * * *`);
/// a *wildcard* schedule has a minute or hour field that begins with `*` (`0 * * * *`,
/// `*/15 2 * * *`, `@hourly`). This is cronie's own distinction (its `MIN_STAR`/`HR_STAR`).
/// - When the clock springs forward, a fixed-time schedule's times that fall into the skipped
///   hour fire once, at the instant the clock jumps (Europe/Berlin, 2026-03-29: `30 2 * * *`
///   fires at 03:00 CEST, 01:00 UTC; several skipped times, or a skipped time and the jump's
///   own minute, are one occurrence). A wildcard schedule has no occurrences in the skipped hour.
/// - When the clock falls back, a fixed-time schedule's times in the repeated hour fire once,
///   the first time that wall-clock time comes; a wildcard schedule fires at every instant
///   whose wall-clock time matches, so `0 * * * *` fires 25 times that day in Berlin.
package struct CronSchedule: Sendable, Equatable {
    /// One of the five fields, as errors name it.
    package enum Field: Int, Sendable, CaseIterable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        /// The field's name in messages.
        package var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// The values the field may hold (7 is Sunday again for day-of-week).
        var bounds: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// The names the field accepts for values, the first naming `bounds.lowerBound`.
        var names: [String] {
            switch self {
            case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            default: []
            }
        }

        /// What the field accepts, for messages.
        var accepts: String {
            let values =
                switch self {
                case .month: "1-12 or jan-dec"
                case .dayOfWeek: "0-7 (0 and 7 are Sunday) or sun-sat"
                default: "\(bounds.lowerBound)-\(bounds.upperBound)"
                }
            return "\(name) accepts \(values), *, ranges a-b, steps */n and a-b/n, and lists a,b,c"
        }
    }

    /// The expression as written (a macro stays a macro).
    package let text: String
    /// The values each field allows, bit n standing for value n (day-of-week 7 folded into 0).
    private let minutes: UInt64
    private let hours: UInt64
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let daysOfWeek: UInt64
    /// Whether day-of-month and day-of-week begin with `*`: when neither does, either matching
    /// is enough.
    private let dayOfMonthStar: Bool
    private let dayOfWeekStar: Bool

    /// Whether the schedule is fixed-time (minute and hour fields both begin with something
    /// other than `*`), which decides how daylight saving time moves it (see the type's summary).
    package let isFixedTime: Bool

    /// The macros cronie knows (but `@reboot`), as the fields they stand for.
    static let macros = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]
    /// The macros, as messages list them.
    static let macroNames = ["@hourly", "@daily", "@weekly", "@monthly", "@yearly"]

    /// Parses a cron expression: five fields separated by blanks, or one of the macros.
    /// - Throws: ``CronScheduleError`` naming the field at fault and what it accepts.
    package init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let fields = Self.macros[trimmed] else { throw CronScheduleError.unknownMacro(schedule: text) }
            expanded = fields
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else { throw CronScheduleError.fieldCount(schedule: text, found: fields.count) }
        var bits: [UInt64] = []
        for (field, fieldText) in zip(Field.allCases, fields) {
            bits.append(try Self.values(of: fieldText, field: field, schedule: text))
        }
        self.text = text
        minutes = bits[0]
        hours = bits[1]
        daysOfMonth = bits[2]
        months = bits[3]
        daysOfWeek = bits[4] & 1 << 7 != 0 ? (bits[4] | 1) & ~(1 << 7) : bits[4]
        dayOfMonthStar = fields[2].hasPrefix("*")
        dayOfWeekStar = fields[4].hasPrefix("*")
        isFixedTime = !fields[0].hasPrefix("*") && !fields[1].hasPrefix("*")
    }

    /// The values one field allows, as bits.
    private static func values(of text: Substring, field: Field, schedule: String) throws -> UInt64 {
        func fail(_ problem: String) -> CronScheduleError {
            .badField(schedule: schedule, field: field, text: String(text), problem: problem)
        }
        func value(_ word: Substring, in item: Substring) throws -> Int {
            if !word.isEmpty && word.allSatisfy(\.isASCII) && word.allSatisfy(\.isNumber) {
                let number = Int(word) ?? Int.max
                guard field.bounds.contains(number) else {
                    throw fail("has \(word), outside \(field.bounds.lowerBound)-\(field.bounds.upperBound)")
                }
                return number
            }
            if let index = field.names.firstIndex(of: word.lowercased()) { return field.bounds.lowerBound + index }
            let kind = field.names.isEmpty ? "a number" : "a number or a \(field.name) name"
            throw fail("has \"\(item)\", in which \"\(word)\" is not \(kind)")
        }
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("has an empty list item") }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let range = parts[0]
            var step = 1
            if parts.count == 2 {
                let stepText = parts[1]
                guard !stepText.isEmpty, stepText.allSatisfy({ $0.isASCII && $0.isNumber }),
                    let number = Int(stepText), number > 0
                else { throw fail("has \"\(item)\", whose step is not a whole number 1 or more") }
                step = number
            }
            let low: Int
            let high: Int
            if range == "*" {
                (low, high) = (field.bounds.lowerBound, field.bounds.upperBound)
            } else if let dash = range.firstIndex(of: "-") {
                low = try value(range[..<dash], in: item)
                high = try value(range[range.index(after: dash)...], in: item)
                guard low <= high else { throw fail("has the range \(item), which runs backwards") }
            } else {
                low = try value(range, in: item)
                high = low
                if parts.count == 2 {
                    throw fail(
                        "has \"\(item)\", a step after a single value; write \(range)-\(field.bounds.upperBound)/\(step)"
                    )
                }
            }
            for number in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(number) }
        }
        return bits
    }

    /// Whether a day matches the day-of-month, month and day-of-week fields.
    /// - Parameter weekday: 0 for Sunday to 6 for Saturday.
    func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard months & 1 << UInt64(month) != 0 else { return false }
        let dayOfMonth = daysOfMonth & 1 << UInt64(day) != 0
        let dayOfWeek = daysOfWeek & 1 << UInt64(weekday) != 0
        return dayOfMonthStar || dayOfWeekStar ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek
    }

    /// Every time in [start, end) the schedule fires, in `timeZone`, ascending.
    ///
    /// Steps by matching days, then by matching hours and minutes; the zone is asked about
    /// offsets a few times a day, and time by time only on days near an offset change.
    /// Daylight saving time moves times as the type's summary says.
    /// - Parameter timeZone: the zone cron runs in (the machine's, or `CRON_TZ`).
    package func occurrences(from start: Date, to end: Date, in timeZone: TimeZone) -> [Date] {
        guard start < end else { return [] }
        let hourList = Self.members(hours, in: Field.hour.bounds)
        let minuteList = Self.members(minutes, in: Field.minute.bounds)
        let startSecond = start.timeIntervalSince1970
        let endSecond = end.timeIntervalSince1970
        // Wall-clock days are within a day of UTC days (offsets stay under 24 hours).
        let firstDay = Int((startSecond / 86_400).rounded(.down)) - 1
        let lastDay = Int((endSecond / 86_400).rounded(.down)) + 1
        var found: [Int] = []
        for day in firstDay...lastDay {
            let date = CivilDate(daysSince1970: day)
            guard matchesDay(month: date.month, day: date.day, weekday: date.weekday) else { continue }
            let midnight = day * 86_400
            let steadyOffset = Self.steadyOffset(from: midnight - 86_400, to: midnight + 2 * 86_400, in: timeZone)
            for hour in hourList {
                for minute in minuteList {
                    let wall = midnight + hour * 3600 + minute * 60
                    if let offset = steadyOffset {
                        found.append(wall - offset)
                    } else {
                        found.append(contentsOf: instants(ofWallClock: wall, in: timeZone))
                    }
                }
            }
        }
        found.sort()
        var result: [Date] = []
        var previous: Int?
        for second in found where second != previous {
            previous = second
            let seconds = Double(second)
            if seconds >= startSecond && seconds < endSecond { result.append(Date(timeIntervalSince1970: seconds)) }
        }
        return result
    }

    /// The values whose bits are set, ascending.
    private static func members(_ bits: UInt64, in bounds: ClosedRange<Int>) -> [Int] {
        bounds.filter { bits & 1 << UInt64($0) != 0 }
    }

    /// The zone's offset from UTC when it stays the same from `low` to `high` (seconds since
    /// 1970), nil when it may change in between.
    private static func steadyOffset(from low: Int, to high: Int, in timeZone: TimeZone) -> Int? {
        let lowDate = Date(timeIntervalSince1970: Double(low))
        let highDate = Date(timeIntervalSince1970: Double(high))
        let offset = timeZone.secondsFromGMT(for: lowDate)
        guard offset == timeZone.secondsFromGMT(for: highDate) else { return nil }
        if let change = timeZone.nextDaylightSavingTimeTransition(after: lowDate), change < highDate { return nil }
        return offset
    }

    /// The instants (seconds since 1970) at which the schedule fires for one wall-clock time
    /// (seconds since 1970 as if the zone were UTC) on a day the zone's offset may change:
    /// both instants of a repeated time for a wildcard schedule, the first for a fixed-time
    /// one; the instant the clock jumped for a skipped time of a fixed-time schedule.
    private func instants(ofWallClock wall: Int, in timeZone: TimeZone) -> [Int] {
        func offset(_ second: Int) -> Int { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second))) }
        let before = offset(wall - 86_400)
        let after = offset(wall + 86_400)
        let matching = Set([wall - before, wall - after]).filter { $0 + offset($0) == wall }.sorted()
        if let first = matching.first { return isFixedTime ? [first] : matching }
        guard isFixedTime, after > before else { return [] }
        // Skipped: the clock jumped over `wall` at the instant the offset changed, which lies
        // in (wall - after, wall - before].
        var low = wall - after
        var high = wall - before
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(middle) == before { low = middle } else { high = middle }
        }
        return [high]
    }
}

/// A day of the proleptic Gregorian calendar, from a count of days since 1970-01-01.
struct CivilDate: Equatable {
    var year: Int
    var month: Int
    var day: Int
    /// 0 for Sunday to 6 for Saturday.
    var weekday: Int

    /// Howard Hinnant's `civil_from_days`, which needs no calendar or zone.
    init(daysSince1970 days: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        weekday = ((days % 7) + 11) % 7
    }
}

/// A cron expression snap cannot read.
package enum CronScheduleError: SnapFailure, Equatable {
    /// Not five fields, nor a macro.
    case fieldCount(schedule: String, found: Int)
    /// An `@` word that is not one of the macros.
    case unknownMacro(schedule: String)
    /// One field holds something it does not accept.
    case badField(schedule: String, field: CronSchedule.Field, text: String, problem: String)

    /// What is wrong, worded to follow the word "schedule" (a policy error names the key).
    package var detail: String {
        let forms =
            "five fields (minute hour day-of-month month day-of-week) such as \"17 * * * *\", or one of "
            + CronSchedule.macroNames.joined(separator: ", ")
        switch self {
        case let .fieldCount(_, found):
            return "must be a cron expression of \(forms); it has \(found) field\(found == 1 ? "" : "s")"
        case let .unknownMacro(schedule):
            return "must be a cron expression of \(forms); \(schedule.trimmingCharacters(in: .whitespaces)) is none"
        case let .badField(_, field, text, problem):
            return "must be a cron expression: its \(field.name) field \"\(text)\" \(problem); \(field.accepts)"
        }
    }

    package var description: String {
        switch self {
        case let .fieldCount(schedule, _), let .unknownMacro(schedule), let .badField(schedule, _, _, _):
            return "schedule \"\(schedule)\" \(detail)"
        }
    }
}
