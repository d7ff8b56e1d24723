import Foundation
import SnapKit
import Testing

@Suite struct CronScheduleTests {
    static func date(_ text: String) -> Date { UTCTime.parse(text) ?? .distantPast }

    static func zone(_ identifier: String) throws -> TimeZone { try #require(TimeZone(identifier: identifier)) }

    /// The times `expression` fires in [from, to) in `zone`, written in UTC.
    static func fires(_ expression: String, _ from: String, _ to: String, in zone: String = "UTC") throws -> [String] {
        try CronSchedule(parsing: expression).occurrences(from: date(from), to: date(to), in: Self.zone(zone))
            .map { UTCTime.format($0) }
    }

    @Test(arguments: [
        ("17 * * * *", "2026-01-05T00:00:00Z", "2026-01-05T03:00:00Z", ["00:17", "01:17", "02:17"]),
        ("*/20 1 * * *", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", ["01:00", "01:20", "01:40"]),
        ("10-40/15 2 * * *", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", ["02:10", "02:25", "02:40"]),
        ("0,30 4-5 * * *", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", ["04:00", "04:30", "05:00", "05:30"]),
        ("0  0\t* * *", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z", ["00:00", "00:00"]),
        ("05 07,19 * * *", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", ["07:05", "19:05"]),
        ("0 */8 * * *", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", ["00:00", "08:00", "16:00"]),
        ("@hourly", "2026-01-05T10:00:00Z", "2026-01-05T12:30:00Z", ["10:00", "11:00", "12:00"]),
    ])
    func timesOfTheDay(expression: String, from: String, to: String, times: [String]) throws {
        let fired = try Self.fires(expression, from, to)
        #expect(fired.map { String($0.dropFirst(11).prefix(5)) } == times)
    }

    @Test(arguments: [
        // 2026-01-04 is a Sunday.
        ("0 0 * * mon", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", ["01-05", "01-12", "01-19", "01-26"]),
        ("0 0 * * MON-wed", "2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z", ["01-05", "01-06", "01-07"]),
        ("0 0 * * 0", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z", ["01-04", "01-11"]),
        ("0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z", ["01-04", "01-11"]),
        ("0 0 * * Sun", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z", ["01-04", "01-11"]),
        ("0 0 * * 5-7", "2026-01-05T00:00:00Z", "2026-01-13T00:00:00Z", ["01-09", "01-10", "01-11"]),
        ("@weekly", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z", ["01-04", "01-11"]),
        ("0 0 1 jan,Jul *", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", ["01-01", "07-01"]),
        ("@monthly", "2026-01-15T00:00:00Z", "2026-04-15T00:00:00Z", ["02-01", "03-01", "04-01"]),
        ("@yearly", "2025-06-01T00:00:00Z", "2027-06-01T00:00:00Z", ["01-01", "01-01"]),
        ("0 0 31 * *", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z", ["01-31", "03-31", "05-31"]),
        // Both day fields restricted: either one matching is enough (the 15th is a Sunday).
        (
            "0 12 15 * fri", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z",
            ["03-06", "03-13", "03-15", "03-20", "03-27"]
        ),
        ("0 12 15 * *", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", ["03-15"]),
        ("0 12 * * fri", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", ["03-06", "03-13", "03-20", "03-27"]),
        // A day-of-month that begins with * is not a restriction, even with a step: both must match.
        ("0 12 */2 * fri", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", ["03-13", "03-27"]),
        (
            "0 12 1-7 * mon", "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z",
            ["03-01", "03-02", "03-03", "03-04", "03-05", "03-06", "03-07", "03-09", "03-16", "03-23", "03-30"]
        ),
    ])
    func daysOfTheYear(expression: String, from: String, to: String, days: [String]) throws {
        let fired = try Self.fires(expression, from, to)
        #expect(fired.map { String($0.dropFirst(5).prefix(5)) } == days)
    }

    @Test func leapDaysOnlyInLeapYears() throws {
        #expect(
            try Self.fires("59 23 29 feb *", "2024-01-01T00:00:00Z", "2028-03-01T00:00:00Z")
                == ["2024-02-29T23:59:00Z", "2028-02-29T23:59:00Z"])
    }

    @Test func theWindowIncludesItsStartAndNotItsEnd() throws {
        #expect(
            try Self.fires("0 * * * *", "2026-01-05T01:00:00Z", "2026-01-05T03:00:00Z")
                == ["2026-01-05T01:00:00Z", "2026-01-05T02:00:00Z"])
        let schedule = try CronSchedule(parsing: "0 * * * *")
        let start = Self.date("2026-01-05T01:00:00Z").addingTimeInterval(0.5)
        let fired = schedule.occurrences(from: start, to: start.addingTimeInterval(7200), in: try Self.zone("UTC"))
        #expect(fired.map { UTCTime.format($0) } == ["2026-01-05T02:00:00Z", "2026-01-05T03:00:00Z"])
        #expect(schedule.occurrences(from: start, to: start, in: try Self.zone("UTC")).isEmpty)
    }

    @Test func aYearOfHourlyRunsIs8760() throws {
        let hourly = try CronSchedule(parsing: "0 * * * *")
        let year = (Self.date("2026-01-01T00:00:00Z"), Self.date("2027-01-01T00:00:00Z"))
        #expect(hourly.occurrences(from: year.0, to: year.1, in: try Self.zone("UTC")).count == 8760)
        // 23 hours on the spring day, 25 on the autumn one.
        #expect(hourly.occurrences(from: year.0, to: year.1, in: try Self.zone("Europe/Berlin")).count == 8760)
        // A fixed-time job in the skipped hour still runs every day, once.
        let nightly = try CronSchedule(parsing: "30 2 * * *")
        #expect(nightly.occurrences(from: year.0, to: year.1, in: try Self.zone("Europe/Berlin")).count == 365)
        let everyMinute = try CronSchedule(parsing: "* * * * *")
        let october = (Self.date("2026-10-01T00:00:00Z"), Self.date("2026-11-01T00:00:00Z"))
        #expect(
            everyMinute.occurrences(from: october.0, to: october.1, in: try Self.zone("Europe/Berlin")).count == 31
                * 1440)
    }

    // Europe/Berlin, 2026-03-29: at 01:00 UTC, 02:00 CET becomes 03:00 CEST.
    @Test func springForwardInBerlinMovesFixedTimesToTheJump() throws {
        #expect(
            try Self.fires("30 2 * * *", "2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z", in: "Europe/Berlin")
                == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"])
        let day = ("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")
        // Several skipped times, and the jump's own 03:00, are one run.
        #expect(try Self.fires("0,30 2 * * *", day.0, day.1, in: "Europe/Berlin") == ["2026-03-29T01:00:00Z"])
        #expect(try Self.fires("0 2,3 * * *", day.0, day.1, in: "Europe/Berlin") == ["2026-03-29T01:00:00Z"])
        // A range is fixed-time too, as cronie reads it.
        #expect(
            try Self.fires("0 1-3 * * *", day.0, day.1, in: "Europe/Berlin")
                == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"])
    }

    @Test func springForwardInBerlinSkipsWildcardTimes() throws {
        let day = ("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")
        let hourly = try Self.fires("30 * * * *", day.0, day.1, in: "Europe/Berlin")
        #expect(hourly.count == 23)
        #expect(hourly.prefix(3) == ["2026-03-28T23:30:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"])
        #expect(hourly.last == "2026-03-29T21:30:00Z")
        #expect(try Self.fires("*/30 2 * * *", day.0, day.1, in: "Europe/Berlin").isEmpty)
        #expect(
            try Self.fires("*/30 2 * * *", "2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", in: "Europe/Berlin")
                == ["2026-03-28T01:00:00Z", "2026-03-28T01:30:00Z"])
    }

    // Europe/Berlin, 2026-10-25: at 01:00 UTC, 03:00 CEST becomes 02:00 CET.
    @Test func fallBackInBerlinRunsFixedTimesOnceAndWildcardsTwice() throws {
        let day = ("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")
        #expect(try Self.fires("30 2 * * *", day.0, day.1, in: "Europe/Berlin") == ["2026-10-25T00:30:00Z"])
        let hourly = try Self.fires("0 * * * *", day.0, day.1, in: "Europe/Berlin")
        #expect(hourly.count == 25)
        #expect(hourly.contains("2026-10-25T00:00:00Z") && hourly.contains("2026-10-25T01:00:00Z"))
        #expect(
            try Self.fires("*/30 2 * * *", day.0, day.1, in: "Europe/Berlin")
                == ["2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z"])
        #expect(
            try Self.fires("30 2 * * *", "2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z", in: "Europe/Berlin")
                == ["2026-10-26T01:30:00Z"])
    }

    // America/New_York, 2026-03-08: at 07:00 UTC, 02:00 EST becomes 03:00 EDT; 2026-11-01: at
    // 06:00 UTC, 02:00 EDT becomes 01:00 EST.
    @Test func newYorkShiftsTheSameWay() throws {
        #expect(
            try Self.fires("30 2 * * *", "2026-03-07T05:00:00Z", "2026-03-10T04:00:00Z", in: "America/New_York")
                == ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
        #expect(
            try Self.fires("0 * * * *", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", in: "America/New_York").count
                == 23)
        #expect(
            try Self.fires("30 1 * * *", "2026-10-31T04:00:00Z", "2026-11-03T05:00:00Z", in: "America/New_York")
                == ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        let autumn = try Self.fires(
            "15 * * * *", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", in: "America/New_York")
        #expect(autumn.count == 25)
        #expect(autumn.contains("2026-11-01T05:15:00Z") && autumn.contains("2026-11-01T06:15:00Z"))
    }

    @Test func fixedTimeIsCroniesDistinction() throws {
        #expect(try CronSchedule(parsing: "30 2 * * *").isFixedTime)
        #expect(try CronSchedule(parsing: "0 1-5 * * *").isFixedTime)
        #expect(try CronSchedule(parsing: "0,30 2,3 * * *").isFixedTime)
        #expect(try CronSchedule(parsing: "@daily").isFixedTime)
        #expect(try !CronSchedule(parsing: "0 * * * *").isFixedTime)
        #expect(try !CronSchedule(parsing: "*/15 2 * * *").isFixedTime)
        #expect(try !CronSchedule(parsing: "@hourly").isFixedTime)
    }

    @Test(arguments: [
        (
            "hourly", nil,
            "schedule \"hourly\" must be a cron expression of five fields (minute hour day-of-month month day-of-week) such as \"17 * * * *\", or one of @hourly, @daily, @weekly, @monthly, @yearly; it has 1 field"
        ),
        ("* * * *", nil, "it has 4 fields"),
        ("0 0 * * * *", nil, "it has 6 fields"),
        ("", nil, "it has 0 fields"),
        ("@reboot", nil, "or one of @hourly, @daily, @weekly, @monthly, @yearly; @reboot is none"),
        ("@Daily", nil, "@Daily is none"),
        (
            "60 * * * *", CronSchedule.Field.minute,
            "schedule \"60 * * * *\" must be a cron expression: its minute field \"60\" has 60, outside 0-59; minute accepts 0-59, *, ranges a-b, steps */n and a-b/n, and lists a,b,c"
        ),
        ("0 24 * * *", .hour, "its hour field \"24\" has 24, outside 0-23; hour accepts 0-23,"),
        ("0 0 0 * *", .dayOfMonth, "its day-of-month field \"0\" has 0, outside 1-31; day-of-month accepts 1-31,"),
        ("0 0 32 * *", .dayOfMonth, "has 32, outside 1-31"),
        ("0 0 * 13 *", .month, "its month field \"13\" has 13, outside 1-12; month accepts 1-12 or jan-dec,"),
        (
            "0 0 * foo *", .month,
            "its month field \"foo\" has \"foo\", in which \"foo\" is not a number or a month name"
        ),
        ("0 0 * jan-foo *", .month, "has \"jan-foo\", in which \"foo\" is not a number or a month name"),
        (
            "0 0 * * 8", .dayOfWeek,
            "its day-of-week field \"8\" has 8, outside 0-7; day-of-week accepts 0-7 (0 and 7 are Sunday) or sun-sat,"
        ),
        ("0 0 * * monday", .dayOfWeek, "\"monday\" is not a number or a day-of-week name"),
        ("0 0 * * sat-sun", .dayOfWeek, "has the range sat-sun, which runs backwards"),
        ("*/0 * * * *", .minute, "has \"*/0\", whose step is not a whole number 1 or more"),
        ("*/x * * * *", .minute, "has \"*/x\", whose step is not a whole number 1 or more"),
        ("0 1-5/ * * *", .hour, "has \"1-5/\", whose step is not a whole number 1 or more"),
        ("5/10 * * * *", .minute, "has \"5/10\", a step after a single value; write 5-59/10"),
        ("30-10 * * * *", .minute, "has the range 30-10, which runs backwards"),
        ("1,,2 * * * *", .minute, "its minute field \"1,,2\" has an empty list item"),
        ("1- * * * *", .minute, "has \"1-\", in which \"\" is not a number"),
        ("-1 * * * *", .minute, "has \"-1\", in which \"\" is not a number"),
        ("0 jan * * *", .hour, "has \"jan\", in which \"jan\" is not a number;"),
        ("0 ** * * *", .hour, "has \"**\", in which \"**\" is not a number"),
    ])
    func badExpressionsNameTheFieldAndWhatItAccepts(text: String, field: CronSchedule.Field?, message: String) {
        #expect {
            try CronSchedule(parsing: text)
        } throws: { error in
            guard let error = error as? CronScheduleError, "\(error)".contains(message) else { return false }
            if case let .badField(_, badField, _, _) = error { return badField == field }
            return field == nil
        }
    }

    @Test func aBadScheduleIsAConfigError() {
        let error = CronScheduleError.fieldCount(schedule: "hourly", found: 1)
        #expect(error.exitStatus == PolicyError.invalid(path: "p", line: 1, key: "schedule", detail: "").exitStatus)
        #expect(error.exitStatus == .error)
    }
}
