import Foundation
import SnapTestSupport
import Testing

/// `snap report`: the page an auditor reads, rendered by a real headless Chromium, and the
/// same content as JSON.
@Suite struct ReportTests {
    /// An hourly schedule read in UTC, and a retention that keeps little.
    static let policy = """
        mode: files
        keep:
          last: 2
        timezone: UTC
        schedule: "0 * * * *"
        freshness:
          warn: 2h
          crit: 6h

        """

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The start of the hour `date` falls in.
    static func hour(of date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
    }

    static func utc(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Captures 5 h and 3 h ago (through a skewed clock), a run that failed 2 h ago, a live
    /// capture now with a hostile note, a restore and a prune: the page shows each node, the
    /// missed and failed runs, the restore, and the hostile notes as text, and in Chromium it
    /// runs nothing, loads nothing and logs no error.
    @Test func aStoreWithCapturesAFailedRunARestoreAndAPruneRendersInChromium() throws {
        let pair = try StandinPair("report-e2e")
        try FileManager.default.createDirectory(atPath: pair.directory("policies"), withIntermediateDirectories: true)
        try Data(Self.policy.utf8).write(to: URL(fileURLWithPath: pair.directory("policies/hourly.yaml")))
        #expect(try pair.snap(["init"]).status == 0)
        // The managers' files, made by a first start, copied while they are stopped.
        try pair.start()
        try pair.stop()
        // Half past the hour, 5 and 3 hours ago, through a clock set there: the hourly runs
        // of 4 h ago (between the two captures) and 1 h ago are missed, and 2 h ago failed.
        let hour = Self.hour(of: Date())
        func clock(_ hoursAgo: Double) -> String {
            "@"
                + Self.utc(hour.addingTimeInterval(-hoursAgo * 3600 + 1800)).replacingOccurrences(of: "T", with: " ")
                .replacingOccurrences(of: "Z", with: "")
        }
        let script = "<script>alert(1)</script>"
        let image = "\"><img src=x onerror=alert(2)>"
        for offset in [clock(5), clock(3)] {
            let created = try SnapBinary.run(
                ["create", "--from-dir", pair.mnesia(0), "--node", "manager_0", "--config", pair.config],
                clockOffset: offset, directory: pair.directory.path)
            try #require(created.status == 0, "\(created.stderr)")
        }
        let failed = try SnapBinary.run(
            ["create", "--from-dir", pair.directory("gone"), "--node", "manager_0", "--config", pair.config],
            clockOffset: clock(2), directory: pair.directory.path)
        #expect(failed.status == 1)
        try pair.start()
        let live = try pair.snap(["create", "--all", "--note", script])
        try #require(live.status == 0, "\(live.stderr)")
        let restore = try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        try #require(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        let again = try pair.snap(["create", "--node", "manager_1", "--note", image])
        try #require(again.status == 0, "\(again.stderr)")
        // The captures of 5 h and 3 h ago go: the audit log still says they were made.
        let pruned = try pair.snap(["prune", "--keep-last", "1", "--json"])
        try #require(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.contains("\"keep\" : false"))

        let page = pair.directory("report.html")
        let made = try pair.snap(["report", "--html", page, "--policy", "hourly"])
        try #require(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("report written to \(page)"))
        let data = try Self.json(try pair.snap(["report", "--json", "--policy", "hourly"]).stdout)

        // The schedule's runs on manager_0, from its first capture to an hour before now.
        let nodes = try #require(data["nodes"] as? [[String: Any]])
        #expect(Set(nodes.compactMap { $0["node"] as? String }) == ["manager_0", "manager_1"])
        let first = try #require(nodes.first { $0["node"] as? String == "manager_0" })
        let unmet = try #require(first["unmet_runs"] as? [[String: Any]])
        let missed = unmet.filter { $0["outcome"] as? String == "missed" }.compactMap { $0["expected"] as? String }
        let failedRuns = unmet.filter { $0["outcome"] as? String == "failed" }.compactMap { $0["expected"] as? String }
        // (An hour that turns while the test runs adds one more missed run, never fewer.)
        #expect(
            Set([4, 1].map { Self.utc(hour.addingTimeInterval(-$0 * 3600)) }).isSubset(of: missed), "\(unmet)")
        #expect(failedRuns == [Self.utc(hour.addingTimeInterval(-2 * 3600))], "\(unmet)")
        #expect((first["expected_runs"] as? Int ?? 0) >= 5)
        #expect(first["failed_runs"] as? Int == 1)
        let restores = try #require(data["restores"] as? [[String: Any]])
        let restoreId = try #require(restores.first?["id"] as? String)
        #expect(restores.first?["phase"] as? String == "completed")

        let screenshot = pair.directory("report.png")
        let rendered = try HeadlessChromium.render(page, screenshot: screenshot)
        for node in ["manager_0", "manager_1"] {
            #expect(rendered.html.contains("data-node=\"\(node)\""), "a row for \(node)")
        }
        #expect(rendered.text.contains("missed"))
        #expect(rendered.text.contains(String(restoreId.prefix(8))), "the restore is listed")
        #expect(rendered.text.contains(script) && rendered.text.contains(image), "hostile notes shown as text")
        #expect(rendered.dialogs.isEmpty, "no script ran: \(rendered.dialogs)")
        #expect(rendered.exceptions.isEmpty && rendered.console.isEmpty, "\(rendered.exceptions) \(rendered.console)")
        #expect(rendered.requests.isEmpty, "the page loads nothing: \(rendered.requests)")
        #expect(rendered.distinctColors > 8, "the screenshot is not blank")
        try HeadlessChromium.keepArtifact(screenshot, as: "report-e2e.png")
        // The top of the page, as the README shows it (docs/report.png is one of these).
        let top = pair.directory("report-top.png")
        #expect(
            try HeadlessChromium.render(page, screenshot: top, width: 1100, height: 820, viewportOnly: true).height
                == 820)
        try HeadlessChromium.keepArtifact(top, as: "report-top.png")

        let history = try pair.snap(["history", "--action", "report", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"ok\""))
    }

    /// The forecast is what `prune --dry-run` says, snapshot by snapshot.
    @Test func theRetentionForecastIsPruneDryRun() throws {
        let fixture = try StoreFixture("report-forecast", rows: 20)
        try FileManager.default.createDirectory(
            atPath: fixture.directory("policies"), withIntermediateDirectories: true)
        try Data(Self.policy.utf8).write(to: URL(fileURLWithPath: fixture.directory("policies/hourly.yaml")))
        try fixture.writeConfig("policy: hourly\n")
        for node in ["manager_0", "manager_0", "manager_1", "manager_0", "manager_1", "manager_1"] {
            try fixture.create(node: node)
        }
        let report = try Self.json(try fixture.snap(["report", "--json"]).stdout)
        let dryRun = try fixture.snap(["prune", "--dry-run", "--json"])
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(dryRun.stdout.utf8)) as? [[String: Any]])
        let forecast = try #require(report["retention"] as? [[String: Any]])
        func decisions(_ list: [[String: Any]]) -> [String] {
            list.map { "\($0["id"] ?? "") \($0["keep"] ?? "") \(($0["reasons"] as? [String]) ?? [])" }.sorted()
        }
        #expect(forecast.count == 6)
        #expect(decisions(forecast) == decisions(expected))
        #expect(forecast.contains { $0["keep"] as? Bool == false })
    }

    @Test func badPeriodsNodesAndOutputsAreRefusedWithTheirReason() throws {
        let fixture = try StoreFixture("report-bad", rows: 10)
        try fixture.create()
        let backwards = try fixture.snap(["report", "--since", "2026-12-01", "--until", "2026-11-01"])
        #expect(backwards.status == 2 && backwards.stderr.contains("the period is empty"), "\(backwards.stderr)")
        let nobody = try fixture.snap(["report", "--node", "manager_9"])
        #expect(nobody.status == 2 && nobody.stderr.contains("manager_0"), "\(nobody.stderr)")
        let both = try fixture.snap(["report", "--html", "x.html", "--json"])
        #expect(both.status == 2 && both.stderr.contains("choose one"))
        let nowhere = try fixture.snap(["report", "--html", fixture.directory("missing/x.html")])
        #expect(nowhere.status == 1 && nowhere.stderr.contains("missing"), "\(nowhere.stderr)")
        let history = try fixture.snap(["history", "--action", "report", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"failed\""), "a report that could not be written is audited")
    }

    /// `history` shortens long snapshot lists and commands to the terminal's width, marked;
    /// `--json` and pipes keep them whole.
    @Test func historyFitsTheTerminal() throws {
        let fixture = try StoreFixture("report-history", rows: 10)
        for _ in 0..<6 { try fixture.create(extra: ["--note", String(repeating: "long note ", count: 12)]) }
        let pruned = try fixture.snap(["prune", "--keep-last", "1"])
        #expect(pruned.status == 0)
        let narrow = try fixture.snap(["history"], environment: ["SNAP_COLUMNS": "120"])
        let lines = narrow.stdout.split(separator: "\n")
        #expect(lines.count >= 9, "a header, init, six creates and the prune")
        #expect(lines.allSatisfy { $0.count <= 120 }, "\(lines.map(\.count))")
        #expect(narrow.stdout.contains("…"), "a shortened command is marked")
        let prune = try #require(lines.last { $0.contains("prune") })
        #expect((1...5).contains { prune.contains("+\($0)") }, "a shortened snapshot list says how many more: \(prune)")
        let whole = try fixture.snap(["history"], environment: ["COLUMNS": "120"])  // a pipe: whole
        #expect(whole.stdout.contains(String(repeating: "long note ", count: 12).trimmingCharacters(in: .whitespaces)))
        let json = try fixture.snap(["history", "--json"])
        #expect(json.stdout.contains(String(repeating: "long note ", count: 12)))
    }
}
