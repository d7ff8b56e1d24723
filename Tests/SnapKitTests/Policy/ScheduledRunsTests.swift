import Foundation
import SnapKit
import Testing

@Suite struct ScheduledRunsTests {
    static func date(_ text: String) -> Date { UTCTime.parse(text) ?? .distantPast }

    static func dates(_ texts: [String]) -> [Date] { texts.map(date) }

    static func capture(_ id: String, _ created: String) -> (id: String, created: Date) { (id, date(created)) }

    static let utc = TimeZone(secondsFromGMT: 0) ?? .current

    @Test func eachRunIsCapturedFailedOrMissed() {
        let expected = Self.dates([
            "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z", "2026-05-01T12:00:00Z", "2026-05-01T13:00:00Z",
            "2026-05-01T14:00:00Z",
        ])
        let runs = ScheduledRuns.classify(
            expected: expected.reversed(),
            captures: [
                Self.capture("late", "2026-05-01T12:40:00Z"),
                Self.capture("on-time", "2026-05-01T10:00:05Z"),
                Self.capture("early", "2026-05-01T10:59:30Z"),
            ],
            failures: [Self.date("2026-05-01T13:00:10Z")], grace: 3600)
        #expect(
            runs == [
                ScheduledRun(
                    expected: expected[0], outcome: .captured, snapshot: "on-time",
                    at: Self.date("2026-05-01T10:00:05Z")),
                ScheduledRun(
                    expected: expected[1], outcome: .captured, snapshot: "early", at: Self.date("2026-05-01T10:59:30Z")),
                ScheduledRun(
                    expected: expected[2], outcome: .captured, snapshot: "late", at: Self.date("2026-05-01T12:40:00Z")),
                ScheduledRun(expected: expected[3], outcome: .failed, at: Self.date("2026-05-01T13:00:10Z")),
                ScheduledRun(expected: expected[4], outcome: .missed),
            ])
    }

    @Test func graceEndsTheWindowAndSoDoesTheNextRun() {
        let expected = Self.dates(["2026-05-01T12:00:00Z", "2026-05-01T13:00:00Z"])
        // Twenty minutes late with ten minutes' grace: missed; the capture meets nothing.
        let short = ScheduledRuns.classify(
            expected: expected, captures: [Self.capture("a", "2026-05-01T12:20:00Z")], failures: [], grace: 600)
        #expect(short.map(\.outcome) == [.missed, .missed])
        // With a day's grace the window still ends where the next run's begins.
        let long = ScheduledRuns.classify(
            expected: expected, captures: [Self.capture("b", "2026-05-01T13:05:00Z")], failures: [],
            grace: 86_400)
        #expect(long.map(\.outcome) == [.missed, .captured])
        #expect(long[1].snapshot == "b")
        // More than a minute early is too early.
        let early = ScheduledRuns.classify(
            expected: [expected[0]], captures: [Self.capture("c", "2026-05-01T11:58:59Z")], failures: [], grace: 600)
        #expect(early.map(\.outcome) == [.missed])
    }

    @Test func oneCaptureMeetsOneRun() {
        // Half-hourly runs: a capture just before 10:30 lies in both windows.
        let expected = Self.dates(["2026-05-01T10:00:00Z", "2026-05-01T10:30:00Z"])
        let single = ScheduledRuns.classify(
            expected: expected, captures: [Self.capture("only", "2026-05-01T10:29:30Z")], failures: [], grace: 3600)
        #expect(single.map(\.outcome) == [.captured, .missed])
        #expect(single.compactMap(\.snapshot) == ["only"])
        // Two captures for one run leave the next one missed.
        let twice = ScheduledRuns.classify(
            expected: expected,
            captures: [Self.capture("a", "2026-05-01T10:00:05Z"), Self.capture("b", "2026-05-01T10:01:00Z")],
            failures: [], grace: 3600)
        #expect(twice.map(\.outcome) == [.captured, .missed])
        #expect(twice[0].snapshot == "a")
        // One failure explains one run.
        let failed = ScheduledRuns.classify(
            expected: expected, captures: [], failures: [Self.date("2026-05-01T10:29:40Z")], grace: 3600)
        #expect(failed.map(\.outcome) == [.failed, .missed])
    }

    @Test func aCaptureWinsOverAFailureInTheSameWindow() {
        let expected = Self.dates(["2026-05-01T10:00:00Z"])
        let runs = ScheduledRuns.classify(
            expected: expected, captures: [Self.capture("retry", "2026-05-01T10:20:00Z")],
            failures: [Self.date("2026-05-01T10:00:10Z")], grace: 3600)
        #expect(
            runs == [
                ScheduledRun(
                    expected: expected[0], outcome: .captured, snapshot: "retry", at: Self.date("2026-05-01T10:20:00Z"))
            ])
    }

    @Test func theWindowStartsAtTheRunTheFirstCaptureAnsweredAndEndsAGraceBeforeNow() throws {
        let hourly = try CronSchedule(parsing: "0 * * * *")
        let from = Self.date("2026-05-01T00:00:00Z")
        let to = Self.date("2026-05-01T06:00:00Z")
        // The 01:00 run that the capture at 01:00:05 answered counts (and is met).
        #expect(
            ScheduledRuns.expected(
                by: hourly, in: Self.utc, from: from, to: to, firstAttempt: Self.date("2026-05-01T01:00:05Z"),
                grace: 3600)
                == Self.dates([
                    "2026-05-01T01:00:00Z", "2026-05-01T02:00:00Z", "2026-05-01T03:00:00Z", "2026-05-01T04:00:00Z",
                ]))
        // A capture a few seconds early answers the run it came before; one made by hand
        // between runs, more than the grace after the last, starts the window at itself.
        #expect(
            ScheduledRuns.expected(
                by: hourly, in: Self.utc, from: from, to: to, firstAttempt: Self.date("2026-05-01T01:59:30Z"),
                grace: 3600
            ).first == Self.date("2026-05-01T02:00:00Z"))
        #expect(
            ScheduledRuns.expected(
                by: hourly, in: Self.utc, from: from, to: to, firstAttempt: Self.date("2026-05-01T01:40:00Z"),
                grace: 1800
            ).first == Self.date("2026-05-01T02:00:00Z"))
        #expect(
            ScheduledRuns.expected(
                by: hourly, in: Self.utc, from: from, to: to, firstAttempt: Self.date("2026-04-01T00:00:00Z"),
                grace: 1800)
                == Self.dates([
                    "2026-05-01T00:00:00Z", "2026-05-01T01:00:00Z", "2026-05-01T02:00:00Z", "2026-05-01T03:00:00Z",
                    "2026-05-01T04:00:00Z", "2026-05-01T05:00:00Z",
                ]))
        #expect(ScheduledRuns.expected(by: hourly, in: Self.utc, from: from, to: to, firstAttempt: nil).isEmpty)
        #expect(
            ScheduledRuns.expected(by: hourly, in: Self.utc, from: from, to: to, firstAttempt: to).isEmpty)
    }

    @Test func runsOfANodeFromItsFirstCapture() throws {
        let runs = ScheduledRuns.runs(
            of: try CronSchedule(parsing: "0 * * * *"), in: Self.utc, from: Self.date("2026-05-01T00:00:00Z"),
            to: Self.date("2026-05-01T06:00:00Z"),
            captures: [
                Self.capture("s2", "2026-05-01T02:00:10Z"), Self.capture("s1", "2026-05-01T00:59:30Z"),
                Self.capture("s4", "2026-05-01T04:30:00Z"),
            ],
            failures: [Self.date("2026-05-01T03:00:20Z")], grace: 3600)
        #expect(
            runs.map { UTCTime.format($0.expected) } == [
                "2026-05-01T01:00:00Z", "2026-05-01T02:00:00Z", "2026-05-01T03:00:00Z", "2026-05-01T04:00:00Z",
            ])
        #expect(runs.map(\.outcome) == [.captured, .captured, .failed, .captured])
        #expect(runs.map(\.snapshot) == ["s1", "s2", nil, "s4"])
        #expect(ScheduledRuns.defaultGrace == 3600)
    }

    @Test func aRunEncodesWithSnakeCaseKeysAndOutcomeWords() throws {
        let run = ScheduledRun(expected: Self.date("2026-05-01T10:00:00Z"), outcome: .missed)
        let decoded = try JSONCoding.decoder(for: ScheduledRun.self).decode(
            ScheduledRun.self, from: Data(#"{"expected":"2026-05-01T10:00:00Z","outcome":"missed"}"#.utf8))
        #expect(decoded == run)
    }
}
