import Foundation
import SnapTestSupport
import Testing

@Suite struct MonitoringTests {
    @Test func cronRefusesAPolicyWithoutScheduleAndARunWithoutConfig() throws {
        let fixture = try StoreFixture("cron-errors")
        let policy = fixture.directory("unscheduled.yaml")
        try "keep:\n  last: 3\n".write(toFile: policy, atomically: true, encoding: .utf8)
        try "store: store\nmanagers:\n  - name: manager_0\n    home: /nonexistent\n".write(
            toFile: fixture.directory("snap.yaml"), atomically: true, encoding: .utf8)
        let unscheduled = try SnapBinary.run(
            ["cron", "--policy", policy, "--config", fixture.directory("snap.yaml")], directory: fixture.directory.path)
        #expect(unscheduled.status == 2, "\(unscheduled.stderr)")
        #expect(unscheduled.stderr.contains("has no `schedule`"), "\(unscheduled.stderr)")
        #expect(unscheduled.stdout.isEmpty)
        let scheduled = fixture.directory("hourly.yaml")
        try "keep:\n  last: 3\nschedule: \"17 * * * *\"\n".write(toFile: scheduled, atomically: true, encoding: .utf8)
        let noConfig = try SnapBinary.run(
            ["cron", "--policy", scheduled, "--store", fixture.store], directory: fixture.directory("store"))
        #expect(noConfig.status == 2, "\(noConfig.stderr)")
        #expect(noConfig.stderr.contains("cron needs a config file (--config PATH)"), "\(noConfig.stderr)")
        #expect(noConfig.stdout.isEmpty)
    }

    @Test func checkWithAPolicyThatDoesNotExistIsAUsageErrorNamingIt() throws {
        let fixture = try StoreFixture("check-policy")
        try fixture.create(node: "manager_0")
        let result = try fixture.snap(["check", "--policy", "nosuch"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("policy nosuch not found"), "\(result.stderr)")
        // Not judged by the defaults it would have fallen back to.
        #expect(!result.stdout.contains("OK:") && !result.stdout.contains("CRITICAL:"), "\(result.stdout)")
    }

    @Test func checkExitCodesForFreshStaleAndNever() throws {
        let fixture = try StoreFixture("check")
        try
            "store: store\nmanagers:\n  - name: manager_0\n    home: /nonexistent\n  - name: manager_1\n    home: /nonexistent\n"
            .write(toFile: fixture.directory("snap.yaml"), atomically: true, encoding: .utf8)
        let never = try SnapBinary.run(["check"], directory: fixture.directory.path)
        #expect(never.status == 2, "\(never.stdout)\(never.stderr)")
        #expect(never.stdout.contains("CRITICAL: manager_0: no snapshot of manager_0"))
        try fixture.create(node: "manager_0")
        try fixture.create(node: "manager_1")
        let fresh = try SnapBinary.run(["check", "--warn", "1h", "--crit", "2h"], directory: fixture.directory.path)
        #expect(fresh.status == 0, "\(fresh.stdout)")
        #expect(fresh.stdout.contains("OK: manager_0: newest v1"))
        // Sleep past a 1-second threshold: stale.
        sleep(2)
        let stale = try SnapBinary.run(["check", "--warn", "1s", "--crit", "1h"], directory: fixture.directory.path)
        #expect(stale.status == 1, "\(stale.stdout)")
        #expect(stale.stdout.contains("WARNING: manager_0"))
        let critical = try SnapBinary.run(
            ["check", "--warn", "1s", "--crit", "1s", "--json"], directory: fixture.directory.path)
        #expect(critical.status == 2)
        #expect(critical.stdout.contains("\"state\" : 2"))
        let unknown = try SnapBinary.run(["check", "--store", fixture.directory("absent")])
        #expect(unknown.status == 3)
        #expect(unknown.stdout.hasPrefix("UNKNOWN:"))
    }

    /// Cases of ``checkJudgesByVersionAndNamesDatesThatCannotBeRight(offsets:preRestore:state:says:metricsNewest:)``:
    /// dates of v1 and v2 as seconds from now, v2 tagged pre-restore, exit status, text, newest version.
    static let clockCases: [([Double], Bool, Int32, [String], Int)] = [
        // In order and fresh.
        ([-7200.0, -3600.0], false, 0, ["OK: manager_0: newest v2 "], 2),
        // Within the 5 minutes' tolerance of the clock.
        ([-60.0, 120.0], false, 0, ["OK: manager_0: newest v2 "], 2),
        // v2 made with the clock 3 days behind: still the newest, and named.
        (
            [-3600.0, -3 * 86_400.0], false, 2,
            ["CRITICAL: manager_0: newest v2 3d ago", "clock: v2 of manager_0", "before v1 (", "the clock went back"],
            2
        ),
        // v2 dated a year ahead: never fresh by its date.
        (
            [-3600.0, 365 * 86_400.0], false, 1,
            ["WARNING: manager_0: newest v2 is dated in the future", "clock: v2 of manager_0", "in the future"], 2
        ),
        // A pre-restore snapshot is not a backup: the newest regular capture is 3 days old.
        ([-3 * 86_400.0, -60.0], true, 2, ["CRITICAL: manager_0: newest v1 3d ago"], 1),
    ]

    /// Two snapshots of manager_0, v1 and v2, their dates moved to `offsets` seconds from
    /// now (and v2 tagged `pre-restore` when asked), judged with a 1-day `warn` and 2-day
    /// `crit`: the state, what the line must say, and the version whose date the metrics
    /// give as the newest.
    @Test(arguments: clockCases)
    func checkJudgesByVersionAndNamesDatesThatCannotBeRight(
        offsets: [Double], preRestore: Bool, state: Int32, says: [String], metricsNewest: Int
    ) throws {
        let fixture = try StoreFixture("check-clock")
        let ids = [try fixture.create(), try fixture.create()]
        let now = Date()
        var dates: [Int: Date] = [:]
        for (index, id) in ids.enumerated() {
            let created = now.addingTimeInterval(offsets[index]).addingTimeInterval(-1)
            dates[index + 1] = created
            try RecordFile.edit(fixture.store + "/snapshots/\(id).json", store: fixture.store) { record in
                record["created"] = ISO8601DateFormatter().string(from: created)
                if preRestore && index == 1 { record["tags"] = ["pre-restore"] }
            }
        }
        let metrics = fixture.directory("check.prom")
        let check = try fixture.snap(["check", "--warn", "1d", "--crit", "2d", "--metrics", metrics])
        #expect(check.status == state, "\(check.stdout)")
        for text in says { #expect(check.stdout.contains(text), "\(text) not in: \(check.stdout)") }
        let expected = Int(try #require(dates[metricsNewest]).timeIntervalSince1970)
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("snap_last_snapshot_timestamp_seconds{node=\"manager_0\"} \(expected)"), "\(text)")
    }

    @Test func metricsFileParsesAsPrometheusText() throws {
        let fixture = try StoreFixture("metrics")
        let metrics = fixture.directory("snap.prom")
        let created = try fixture.snap([
            "create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--metrics", metrics,
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let parse = try ProcessRunner.run(
            "/usr/bin/python3",
            [
                "-c",
                """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                names = {}
                for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                    for sample in family.samples:
                        names[sample.name] = names.get(sample.name, 0) + 1
                print(sorted(names))
                """, metrics,
            ])
        #expect(parse.status == 0, "\(parse.stderr)")
        for name in [
            "snap_last_snapshot_timestamp_seconds", "snap_last_success_timestamp_seconds", "snap_last_verify_ok",
            "snap_snapshots", "snap_store_bytes", "snap_run_duration_seconds",
        ] {
            #expect(parse.stdout.contains("'\(name)'"), "\(name) missing: \(parse.stdout)")
        }
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("snap_snapshots{node=\"manager_0\"} 1"))
        #expect(text.contains("snap_last_verify_ok{node=\"manager_0\"} 1"))  // the default policy verifies after create
    }

    @Test func cronLineRunsUnderCronsBareEnvironment() throws {
        let pair = try StandinPair("cron")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let cron = try pair.snap(["cron"])
        #expect(cron.status == 0, "\(cron.stderr)")
        let line = try #require(cron.stdout.split(separator: "\n").first { !$0.hasPrefix("#") })
        #expect(line.hasPrefix("17 * * * * /"))
        #expect(line.contains(" create --prune "))
        #expect(line.contains("--quiet"))
        let command = line.split(separator: " ").dropFirst(5).joined(separator: " ")
        // cron runs `sh -c` with HOME, LOGNAME, SHELL and PATH=/usr/bin:/bin only.
        let run = try ProcessRunner.run(
            "/usr/bin/env",
            [
                "-i", "PATH=/usr/bin:/bin", "HOME=/root", "SHELL=/bin/sh",
                "LOGNAME=root", "/bin/sh", "-c", command,
            ], directory: "/")
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.isEmpty && run.stderr.isEmpty)  // quiet on success
        let list = try pair.snap(["list", "--json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 2)
        #expect(records.allSatisfy { ($0["verification"] as? [String: Any])?["ok"] as? Bool == true })
        // A failing manager: one line on stderr naming node, step and cause; exit 3.
        try pair.control(1, ["stop"])
        let failing = try ProcessRunner.run(
            "/usr/bin/env",
            [
                "-i", "PATH=/usr/bin:/bin", "HOME=/root", "/bin/sh", "-c",
                command.replacingOccurrences(of: "--prune", with: "--prune --mode files"),
            ],
            directory: "/")
        #expect(failing.status == 3, "\(failing.stderr)")
        #expect(failing.stderr.split(separator: "\n").count == 1)
        #expect(failing.stderr.contains("manager_1: files"))
    }
}

@Suite struct HookTests {
    @Test func hooksGetTheOutcomeAndAFailingOrHangingHookDoesNotHangSnap() throws {
        let fixture = try StoreFixture("hooks")
        let log = fixture.directory("hooks.log")
        // 590 s: not the `sleep 600` that UnresponsiveManagerTests counts as an orphan.
        try """
        keep:
          last: 3
        verify_after_create: false
        hooks:
          before_create: echo "before $SNAP_NODES" >> \(log)
          after_create: echo "after $SNAP_OUTCOME $SNAP_SNAPSHOTS" >> \(log); exit 7
          on_failure: echo "failure $SNAP_OUTCOME" >> \(log); sleep 590
          timeout: 2s
        """.write(toFile: fixture.directory("hooks.yaml"), atomically: true, encoding: .utf8)
        let ok = try fixture.snap([
            "create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--policy",
            fixture.directory("hooks.yaml"), "--json",
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("hook after_create failed (exit 7)"))
        let started = Date()
        let failed = try fixture.snap([
            "create", "--from-dir", fixture.directory("missing"), "--node", "manager_0",
            "--policy", fixture.directory("hooks.yaml"),
        ])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("hook on_failure"), "\(failed.stderr)")
        #expect(failed.stderr.contains("did not finish within 2 s"))
        #expect(Date().timeIntervalSince(started) < 60)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "before manager_0")
        #expect(lines[1].hasPrefix("after ok "))
        #expect(lines[3] == "failure failed")
    }

    /// What cron mails: `--quiet` keeps a failed hook and an unwritable metrics file on stderr.
    @Test func aFailedHookAndAMetricsFileNotWrittenAreReportedEvenWhenQuiet() throws {
        let fixture = try StoreFixture("hooks-quiet")
        try "keep:\n  last: 3\nhooks:\n  after_create: exit 7\n".write(
            toFile: fixture.directory("quiet.yaml"), atomically: true, encoding: .utf8)
        let result = try fixture.snap([
            "create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--dump", fixture.dump, "--policy",
            fixture.directory("quiet.yaml"), "--quiet", "--metrics", fixture.directory("no/such/dir/snap.prom"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("snap: warning: hook after_create failed (exit 7)"), "\(result.stderr)")
        #expect(result.stderr.contains("snap: error: metrics "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
