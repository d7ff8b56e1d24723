import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// `snap check` and the metrics file on snapshots proven (or not) to load, from records with
/// synthetic ``LoadVerdict``s (``VerifyLoadTests/record(_:node:hoursAgo:loaded:checkedHoursAgo:problems:preRestore:)``).
@Suite struct LoadCheckTests {
    typealias Fixture = VerifyLoadTests

    /// manager_0's result after ``FreshnessCheck/judgeLoad(_:records:warn:now:)`` with
    /// `load_warn` of `warnHours`, freshness thresholds that pass every fresh snapshot, and
    /// every snapshot verified (so only loading can make it worse than OK).
    static func judge(_ records: [SnapshotRecord], warnHours: Double?) throws -> FreshnessCheck.NodeResult {
        let verified = records.map { record in
            var copy = record
            copy.verification = .init(checked: record.created, ok: true)
            return copy
        }
        var results = FreshnessCheck.evaluate(
            records: verified, nodes: ["manager_0"], unfinishedRestores: [], warn: 1000 * 3600, crit: 2000 * 3600,
            now: Fixture.now)
        try #require(results.first?.state == .ok, "\(results)")
        FreshnessCheck.judgeLoad(&results, records: verified, warn: warnHours.map { $0 * 3600 }, now: Fixture.now)
        return try #require(results.first { $0.node == "manager_0" })
    }

    /// Cases of ``judgesLoadingByTheNewestSnapshotThatLoaded(records:warnHours:state:says:)``:
    /// the records, `load_warn` in hours, the state, what the line must say.
    static let cases: [([SnapshotRecord], Double?, FreshnessCheck.State, [String])] = [
        // Loaded 3 hours ago, load_warn 1 day: OK.
        (
            [Fixture.record(1, hoursAgo: 5), Fixture.record(2, hoursAgo: 3, loaded: true)], 24, .ok,
            ["newest v2 3h ago", "newest loaded v2 3h ago"]
        ),
        // The newest that loaded is 30 hours old: WARNING.
        (
            [Fixture.record(1, hoursAgo: 30, loaded: true), Fixture.record(2, hoursAgo: 1)], 24, .warning,
            ["newest loaded v1 30h ago"]
        ),
        // No load_warn (verify_load alone): an old proof is still a proof.
        (
            [Fixture.record(1, hoursAgo: 30, loaded: true), Fixture.record(2, hoursAgo: 1)], nil, .ok,
            ["newest loaded v1"]
        ),
        // Never rehearsed: CRITICAL.
        ([Fixture.record(1, hoursAgo: 1)], 24, .critical, ["none proven to load"]),
        ([Fixture.record(1, hoursAgo: 1)], nil, .critical, ["none proven to load"]),
        // Rehearsed and failed, nothing else loaded: CRITICAL, naming the failure.
        (
            [Fixture.record(1, hoursAgo: 1, loaded: false, problems: ["schema.DAT does not load", "second"])], 24,
            .critical, ["none proven to load, v1 FAILED to load: schema.DAT does not load"]
        ),
        // The newest rehearsed failed but an older one loads: WARNING, naming both.
        (
            [
                Fixture.record(1, hoursAgo: 5, loaded: true),
                Fixture.record(2, hoursAgo: 2, loaded: false, problems: ["leo_members: 2 rows, the summary says 3"]),
                Fixture.record(3, hoursAgo: 1),
            ], 24, .warning,
            ["newest loaded v1 5h ago, v2 FAILED to load: leo_members: 2 rows, the summary says 3"]
        ),
        // An older failure under a newer success is history, not a problem.
        (
            [Fixture.record(1, hoursAgo: 5, loaded: false), Fixture.record(2, hoursAgo: 2, loaded: true)], 24, .ok,
            ["newest loaded v2 2h ago"]
        ),
        // A pre-restore snapshot that loaded proves nothing about the node's backups.
        (
            [Fixture.record(1, hoursAgo: 2), Fixture.record(2, hoursAgo: 1, loaded: true, preRestore: true)], 24,
            .critical, ["none proven to load"]
        ),
    ]

    @Test(arguments: cases)
    func judgesLoadingByTheNewestSnapshotThatLoaded(
        records: [SnapshotRecord], warnHours: Double?, state: FreshnessCheck.State, says: [String]
    ) throws {
        let result = try Self.judge(records, warnHours: warnHours)
        #expect(result.state == state, "\(result.message)")
        for text in says { #expect(result.message.contains(text), "\(text) not in: \(result.message)") }
        if !says.contains(where: { $0.contains("FAILED") }) { #expect(!result.message.contains("FAILED")) }
    }

    @Test func aNodeWithoutSnapshotsIsLeftAsItWas() {
        var results = FreshnessCheck.evaluate(
            records: [], nodes: ["manager_1"], unfinishedRestores: [], warn: 3600, crit: 7200, now: Fixture.now)
        let before = results
        FreshnessCheck.judgeLoad(&results, records: [], warn: 3600, now: Fixture.now)
        #expect(results == before)
    }

    @Test func metricsGiveTheNewestRehearsalsVerdictAndWhenTheNewestLoadWasProven() {
        let records = [
            Fixture.record(1, hoursAgo: 10, loaded: true, checkedHoursAgo: 4),
            Fixture.record(2, hoursAgo: 5, loaded: false),
            Fixture.record(3, hoursAgo: 1),
            Fixture.record(4, hoursAgo: 0.5, loaded: true, preRestore: true),
            Fixture.record(5, node: "manager_1", hoursAgo: 1, loaded: true),
            Fixture.record(6, node: "manager_2", hoursAgo: 1),
        ]
        let text = MetricsFile.render(records: records, storeBytes: 1, action: "check", duration: 1)
        let lines = text.split(separator: "\n").map(String.init)
        let proven = Int(Fixture.now.timeIntervalSince1970) - 4 * 3600
        let provenOne = Int(Fixture.now.timeIntervalSince1970) - 3600
        for line in [
            "# TYPE snap_last_load_ok gauge",
            "snap_last_load_ok{node=\"manager_0\"} 0",
            "snap_last_load_ok{node=\"manager_1\"} 1",
            "# TYPE snap_last_load_timestamp_seconds gauge",
            "snap_last_load_timestamp_seconds{node=\"manager_0\"} \(proven)",
            "snap_last_load_timestamp_seconds{node=\"manager_1\"} \(provenOne)",
        ] {
            #expect(lines.contains(line), "\(line) not in:\n\(text)")
        }
        #expect(lines.contains { $0.hasPrefix("# HELP snap_last_load_ok ") })
        #expect(lines.contains { $0.hasPrefix("# HELP snap_last_load_timestamp_seconds ") })
        // Never rehearsed: no sample.
        #expect(!text.contains("snap_last_load_ok{node=\"manager_2\"}"))
        #expect(!text.contains("snap_last_load_timestamp_seconds{node=\"manager_2\"}"))
    }
}
