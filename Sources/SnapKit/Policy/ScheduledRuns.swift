import Foundation

/// One run a node's schedule expected, and what became of it.
package struct ScheduledRun: Codable, Sendable, Equatable, SnakeCaseKeys {
    /// What became of an expected run.
    package enum Outcome: String, Codable, Sendable {
        /// A capture met it.
        case captured
        /// No capture met it, but a `create` that touched the node failed in its window.
        case failed
        /// Nothing happened in its window.
        case missed
    }

    /// When the schedule fired.
    package var expected: Date
    package var outcome: Outcome
    /// The id of the capture that met the run; nil unless captured.
    package var snapshot: String?
    /// When that capture was created, or when the failed attempt ran; nil when missed.
    package var at: Date?

    package init(expected: Date, outcome: Outcome, snapshot: String? = nil, at: Date? = nil) {
        self.expected = expected
        self.outcome = outcome
        self.snapshot = snapshot
        self.at = at
    }
}

/// Which of a node's scheduled runs happened: a pure function from the schedule's times and
/// the node's captures and failed attempts to one ``ScheduledRun`` per expected time.
///
/// An expected time t is met by a capture created in its window
/// [t − 60 s, min(next expected time, t + grace)): a minute early allows for clocks that
/// disagree, the grace for a run that waited for the store lock or took long. It is
/// `captured` when a capture is in its window, else `failed` when a failed `create` is, else
/// `missed`. Runs are matched in time order, each to the earliest capture (or failure) in its
/// window that no earlier run took, so one capture meets at most one run, and one failure
/// explains at most one. Captures that meet no run (a manual `snap create`) are left out.
package enum ScheduledRuns {
    /// The grace a run has when nothing else is said: an hour, cut short by the next run
    /// of a schedule that runs more often.
    package static let defaultGrace: TimeInterval = 3600
    /// How early a capture may be and still meet a run.
    package static let earliness: TimeInterval = 60

    /// Classifies each expected run.
    /// - Parameters:
    ///   - expected: the schedule's times, as ``expected(by:in:from:to:firstAttempt:grace:)``
    ///     gives them; any order.
    ///   - captures: (id, created) of the node's regular captures (not `pre-restore` ones), any
    ///     order.
    ///   - failures: times of failed `create` runs that touched the node, any order.
    ///   - grace: how long after its time a capture still meets a run.
    /// - Returns: one run per distinct expected time, ascending.
    package static func classify(
        expected: [Date], captures: [(id: String, created: Date)], failures: [Date],
        grace: TimeInterval = defaultGrace
    ) -> [ScheduledRun] {
        let times = Array(Set(expected)).sorted()
        let captures = captures.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
        let failures = failures.sorted()
        var nextCapture = 0
        var nextFailure = 0
        var runs: [ScheduledRun] = []
        for (index, time) in times.enumerated() {
            let opens = time.addingTimeInterval(-earliness)
            var closes = time.addingTimeInterval(grace)
            if index + 1 < times.count { closes = min(closes, times[index + 1]) }
            // Windows open and close in time order, so what lies before this one's opening
            // can meet no later run either.
            while nextCapture < captures.count && captures[nextCapture].created < opens { nextCapture += 1 }
            while nextFailure < failures.count && failures[nextFailure] < opens { nextFailure += 1 }
            if nextCapture < captures.count && captures[nextCapture].created < closes {
                let capture = captures[nextCapture]
                runs.append(ScheduledRun(expected: time, outcome: .captured, snapshot: capture.id, at: capture.created))
                nextCapture += 1
            } else if nextFailure < failures.count && failures[nextFailure] < closes {
                runs.append(ScheduledRun(expected: time, outcome: .failed, at: failures[nextFailure]))
                nextFailure += 1
            } else {
                runs.append(ScheduledRun(expected: time, outcome: .missed))
            }
        }
        return runs
    }

    /// The runs a node's schedule expected between `from` and `to`.
    ///
    /// The window begins at the later of `from` and the run the node's first attempt answered
    /// (the last expected time at most ``earliness`` after it and less than `grace` before it;
    /// the capture itself when there is none): a node does not miss runs before it was ever
    /// backed up. It ends at `to - grace` (a run still within its grace is not missed yet).
    /// - Parameters:
    ///   - schedule: the policy's schedule.
    ///   - timeZone: the zone cron runs in.
    ///   - firstAttempt: when the node's first capture was made or its first run failed
    ///     (a node whose every run failed has failed runs, not none); nil (never
    ///     tried) expects nothing.
    /// - Returns: the times in [max(from, start), to − grace), ascending.
    package static func expected(
        by schedule: CronSchedule, in timeZone: TimeZone, from: Date, to: Date, firstAttempt: Date?,
        grace: TimeInterval = defaultGrace
    ) -> [Date] {
        guard let firstAttempt else { return [] }
        let answered = schedule.occurrences(
            from: firstAttempt.addingTimeInterval(-grace), to: firstAttempt.addingTimeInterval(earliness + 0.001),
            in: timeZone
        ).last
        return schedule.occurrences(
            from: max(from, answered ?? firstAttempt), to: to.addingTimeInterval(-grace), in: timeZone)
    }

    /// A node's expected runs between `from` and `to`, classified: ``expected(by:in:from:to:firstAttempt:grace:)``
    /// from the node's first attempt (capture or failure), then
    /// ``classify(expected:captures:failures:grace:)``.
    /// - Parameters:
    ///   - captures: (id, created) of the node's regular captures, any order.
    ///   - failures: times of failed `create` runs that touched the node.
    package static func runs(
        of schedule: CronSchedule, in timeZone: TimeZone, from: Date, to: Date,
        captures: [(id: String, created: Date)], failures: [Date], grace: TimeInterval = defaultGrace
    ) -> [ScheduledRun] {
        let expected = expected(
            by: schedule, in: timeZone, from: from, to: to, firstAttempt: (captures.map(\.created) + failures).min(),
            grace: grace)
        return classify(expected: expected, captures: captures, failures: failures, grace: grace)
    }
}
