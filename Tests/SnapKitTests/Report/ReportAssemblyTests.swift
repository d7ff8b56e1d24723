import Foundation
import Testing

@testable import SnapKit

/// `AuditReport.assemble`: what the page and `--json` say, from records, the audit log and
/// the policy, without a store.
@Suite struct ReportAssemblyTests {
    static let maker = (user: "auditor", host: "backup")

    static func date(_ text: String) -> Date { UTCTime.parse(text) ?? .distantPast }

    static func record(_ id: String, _ version: Int, _ node: String, _ created: String, sha: String = "b")
        -> SnapshotRecord
    {
        SnapshotRecord(
            id: id, version: version, created: date(created), node: node, mode: .fromDir, tags: [], host: "h",
            user: "u", toolVersion: "0", bundleSha256: sha, bundleSize: 1000, treeDigest: "t", deduplicated: false,
            fileCount: 1, unpackedSize: 1, hasDump: false)
    }

    static func entry(_ seq: Int, _ action: String, _ time: String, outcome: String = "ok", snapshots: [String] = [])
        -> AuditEntry
    {
        AuditEntry(
            seq: seq, time: date(time), user: "ops", host: "backup", pid: 1, argv: ["snap", action], action: action,
            snapshots: snapshots, nodes: ["manager_0"], outcome: outcome, error: outcome == "ok" ? nil : "it broke",
            durationMs: 10, prevHash: "p", hash: "h")
    }

    static func sources(
        _ records: [SnapshotRecord], _ entries: [AuditEntry], policy: String, zone: TimeZone = .gmt
    ) throws -> ReportSources {
        ReportSources(
            records: records, entries: entries,
            verification: AuditVerification(
                ok: true, count: entries.count, headHash: "h", headSeq: entries.count, problem: nil, tornTailBytes: 0),
            store: .init(id: "s", path: "/store", snapshots: records.count, bytes: 0),
            policy: try Policy.parse(policy, path: "p.yaml"), scheduleZone: zone,
            states: ["manager_0": (state: "OK", message: "fine")],
            restores: [], retention: [])
    }

    /// Daily at 02:30 in Berlin across the spring-forward night (2026-03-29, when 02:30 does
    /// not exist and cron runs the job at 03:00 CEST): met on time, met by a capture the
    /// audit log remembers after its record was pruned, met at the jump, failed, missed.
    @Test func expectedRunsAcrossASpringForwardInThePolicysZone() throws {
        let records = [
            Self.record("a1", 1, "manager_0", "2026-03-27T01:31:00Z"),
            Self.record("a3", 3, "manager_0", "2026-03-29T01:00:40Z"),
        ]
        let entries = [
            Self.entry(1, "create", "2026-03-27T01:31:05Z", snapshots: ["a1"]),
            Self.entry(2, "create", "2026-03-28T01:30:30Z", snapshots: ["pruned-since"]),
            Self.entry(3, "create", "2026-03-29T01:00:45Z", snapshots: ["a3"]),
            Self.entry(4, "create", "2026-03-30T00:31:00Z", outcome: "failed"),
        ]
        let policy = "keep:\n  last: 3\ntimezone: Europe/Berlin\nschedule: \"30 2 * * *\"\n"
        let report = AuditReport.assemble(
            try Self.sources(
                records, entries, policy: policy, zone: try #require(TimeZone(identifier: "Europe/Berlin"))),
            period: .init(since: Self.date("2026-03-27T00:00:00Z"), until: Self.date("2026-04-01T00:00:00Z")),
            now: Self.date("2026-04-01T00:00:00Z"), by: Self.maker)
        let row = try #require(report.nodes.first)
        #expect(row.expectedRuns == 5)
        #expect(row.failedRuns == 1 && row.missedRuns == 1)
        #expect(
            row.unmetRuns == [
                .init(
                    expected: Self.date("2026-03-30T00:30:00Z"), outcome: "failed",
                    at: Self.date("2026-03-30T00:31:00Z").addingTimeInterval(-0.01)),  // when it began
                .init(expected: Self.date("2026-03-31T00:30:00Z"), outcome: "missed", at: nil),
            ])
        #expect(report.events.map(\.seq) == [4], "the failed run is marked on the timeline")
        #expect(
            report.actors == [
                .init(
                    user: "ops", host: "backup", action: "create", runs: 4, failed: 1,
                    last: Self.date("2026-03-30T00:31:00Z"))
            ])
    }

    /// Expected runs start at the node's first capture: a node backed up since yesterday has
    /// not missed last month's runs, and a run within its grace is not missed yet.
    @Test func runsBeforeTheFirstCaptureAndWithinTheGraceAreNotMissed() throws {
        let records = [Self.record("b1", 1, "manager_0", "2026-12-05T10:00:10Z")]
        let policy = "keep:\n  last: 3\ntimezone: UTC\nschedule: \"0 * * * *\"\n"
        let report = AuditReport.assemble(
            try Self.sources(records, [], policy: policy),
            period: .init(since: Self.date("2026-11-01T00:00:00Z"), until: Self.date("2026-12-05T13:30:00Z")),
            now: Self.date("2026-12-05T13:30:00Z"), by: Self.maker)
        let row = try #require(report.nodes.first)
        // 10:00 met; 11:00 and 12:00 missed; 13:00 still within its hour.
        #expect(row.expectedRuns == 3 && row.missedRuns == 2 && row.failedRuns == 0)
        #expect(
            row.unmetRuns.map(\.expected) == [Self.date("2026-12-05T11:00:00Z"), Self.date("2026-12-05T12:00:00Z")])
    }

    /// Bytes are new the first time a bundle is used; the size line counts each bundle once.
    @Test func sizesCountEachBundleOnce() throws {
        let records = [
            Self.record("c1", 1, "manager_0", "2026-12-01T00:00:00Z", sha: "x"),
            Self.record("c2", 2, "manager_0", "2026-12-01T01:00:00Z", sha: "x"),
            Self.record("c3", 3, "manager_0", "2026-12-01T02:00:00Z", sha: "y"),
        ]
        let report = AuditReport.assemble(
            try Self.sources(records, [], policy: "keep:\n  last: 3\n"),
            period: .init(since: nil, until: Self.date("2026-12-02T00:00:00Z")), now: Self.date("2026-12-02T00:00:00Z"),
            by: Self.maker)
        #expect(report.snapshots.map(\.newBytes) == [1000, 0, 1000])
        #expect(report.sizes.map(\.bytes) == [1000, 1000, 2000])
        #expect(report.nodes.first?.expectedRuns == nil, "no schedule, no expected runs")
    }

    /// A node every run of which failed was never captured: its runs are failed, not
    /// unjudged; a partial run that made a snapshot for each node it named is a capture
    /// after prune removed them; a --until in the future judges nothing after now.
    @Test func failedFromTheStartPartialRunsAndTheFuture() throws {
        let policy = "keep:\n  last: 3\ntimezone: UTC\nschedule: \"0 * * * *\"\n"
        let failing = (0..<3).map { Self.entry($0 + 1, "create", "2026-12-05T1\($0):00:30Z", outcome: "failed") }
        var report = AuditReport.assemble(
            try Self.sources([], failing, policy: policy),
            period: .init(since: nil, until: Self.date("2026-12-05T14:30:00Z")),
            now: Self.date("2026-12-05T14:30:00Z"), by: Self.maker)
        var row = try #require(report.nodes.first)
        #expect(row.expectedRuns == 4 && row.failedRuns == 3 && row.missedRuns == 1, "10, 11, 12 failed; 13 missed")
        var partial = Self.entry(1, "create", "2026-12-05T10:00:30Z", outcome: "partial", snapshots: ["gone"])
        partial.nodes = ["manager_0"]
        report = AuditReport.assemble(
            try Self.sources([], [partial], policy: policy),
            period: .init(since: nil, until: Self.date("2026-12-05T11:30:00Z")),
            now: Self.date("2026-12-05T11:30:00Z"), by: Self.maker)
        row = try #require(report.nodes.first)
        #expect(row.expectedRuns == 1 && row.missedRuns == 0 && row.failedRuns == 0)
        report = AuditReport.assemble(
            try Self.sources([], failing, policy: policy),
            period: .init(since: nil, until: Self.date("2027-12-05T00:00:00Z")),
            now: Self.date("2026-12-05T14:30:00Z"), by: Self.maker)
        #expect(report.nodes.first?.expectedRuns == 4, "no run after now is judged")
    }
}
