import Foundation
import SnapTestSupport
import Testing

/// `check`, `--metrics`, `prune` and `cron` on snapshots proven (or not) to load: the
/// verdicts of `verify --load` are written into the records by hand (sealed again).
@Suite struct LoadMonitoringTests {
    /// Gives the record `id` a `load` verdict checked `checkedAgo` seconds before `now`, and
    /// moves its `created` to `createdAgo` seconds before `now` when given.
    static func setLoad(
        _ fixture: StoreFixture, _ id: String, ok: Bool, checkedAgo: Double, createdAgo: Double? = nil,
        problems: [String]? = nil, now: Date
    ) throws {
        let iso = ISO8601DateFormatter()
        try RecordFile.edit(fixture.store + "/snapshots/\(id).json", store: fixture.store) { record in
            var load: [String: Any] = [
                "checked": iso.string(from: now.addingTimeInterval(-checkedAgo)), "ok": ok, "seconds": 1.5,
                "tables": [],
            ]
            if let problems { load["problems"] = problems }
            record["load"] = load
            if let createdAgo { record["created"] = iso.string(from: now.addingTimeInterval(-createdAgo)) }
        }
    }

    @Test func checkJudgesLoadingOnlyWhenThePolicyAsks() throws {
        let fixture = try StoreFixture("check-rehearsal")
        let first = try fixture.create()
        let second = try fixture.create()
        let asking = fixture.directory("load.yaml")
        try "keep:\n  last: 1\nverify_load: daily\nfreshness:\n  warn: 1h\n  crit: 2h\n  load_warn: 1d\n"
            .write(toFile: asking, atomically: true, encoding: .utf8)
        let silent = fixture.directory("silent.yaml")
        try "keep:\n  last: 1\nfreshness:\n  warn: 1h\n  crit: 2h\n".write(
            toFile: silent, atomically: true, encoding: .utf8)

        // Never rehearsed: CRITICAL when asked, nothing said when not.
        let never = try fixture.snap(["check", "--policy", asking])
        #expect(never.status == 2, "\(never.stdout)\(never.stderr)")
        #expect(never.stdout.contains("CRITICAL: manager_0: newest v2 "), "\(never.stdout)")
        #expect(never.stdout.contains("none proven to load"), "\(never.stdout)")
        let quiet = try fixture.snap(["check", "--policy", silent])
        #expect(quiet.status == 0, "\(quiet.stdout)\(quiet.stderr)")
        #expect(!quiet.stdout.contains(" load") && !quiet.stdout.contains("loaded"), "\(quiet.stdout)")

        // v1 (made 30 hours ago) loaded an hour ago; v2's rehearsal failed.
        let now = Date()
        try Self.setLoad(fixture, first, ok: true, checkedAgo: 3600, createdAgo: 30 * 3600, now: now)
        try Self.setLoad(
            fixture, second, ok: false, checkedAgo: 60, problems: ["leo_members: 2 rows, the summary says 3"],
            now: now)
        let metrics = fixture.directory("check.prom")
        let stale = try fixture.snap(["check", "--policy", asking, "--metrics", metrics])
        #expect(stale.status == 1, "\(stale.stdout)\(stale.stderr)")
        #expect(stale.stdout.contains("WARNING: manager_0: newest v2 "), "\(stale.stdout)")
        let says = "newest loaded v1 30h ago, v2 FAILED to load: leo_members: 2 rows, the summary says 3"
        #expect(stale.stdout.contains(says), "\(stale.stdout)")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("snap_last_load_ok{node=\"manager_0\"} 0"), "\(text)")
        let proven = Int(now.addingTimeInterval(-3600).timeIntervalSince1970)
        #expect(text.contains("snap_last_load_timestamp_seconds{node=\"manager_0\"} \(proven)"), "\(text)")
        let stillQuiet = try fixture.snap(["check", "--policy", silent])
        #expect(!stillQuiet.stdout.contains(" load") && !stillQuiet.stdout.contains("loaded"), "\(stillQuiet.stdout)")

        // prune keeps the newest snapshot that loaded, and says why.
        let prune = try fixture.snap(["prune", "--policy", asking, "--dry-run"])
        #expect(prune.status == 0, "\(prune.stderr)")
        let line = try #require(prune.stdout.split(separator: "\n").first { $0.contains(" v1 ") })
        #expect(line.contains("keep") && line.contains("last loaded of manager_0"), "\(prune.stdout)")
        #expect(prune.stdout.contains("2 kept, 0 to remove"), "\(prune.stdout)")
    }

    @Test(arguments: [
        ("after_create", "# Each run also proves the new snapshots load (verify_load: after_create)."),
        ("daily", "# Each run also proves each node's newest snapshot loads once a day (verify_load: daily)."),
        ("off", nil),
    ])
    func cronSaysWhatEachRunProves(value: String, says: String?) throws {
        let fixture = try StoreFixture("cron-rehearse-\(value)")
        try fixture.writeConfig("store: store\nmanagers:\n  - name: manager_0\n    home: /nonexistent\n")
        let policy = fixture.directory("p.yaml")
        try "keep:\n  last: 3\nschedule: \"17 * * * *\"\nverify_load: \(value)\n".write(
            toFile: policy, atomically: true, encoding: .utf8)
        let cron = try fixture.snap(["cron", "--policy", policy, "--config", fixture.directory("snap.yaml")])
        #expect(cron.status == 0, "\(cron.stderr)")
        if let says {
            #expect(cron.stdout.split(separator: "\n").contains { $0 == says }, "\(cron.stdout)")
        } else {
            #expect(!cron.stdout.contains("verify_load") && !cron.stdout.contains("Each run"), "\(cron.stdout)")
        }
    }
}
