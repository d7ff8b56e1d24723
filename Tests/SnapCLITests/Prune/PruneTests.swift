import Foundation
import SnapTestSupport
import Testing

@Suite struct PruneTests {
    /// A store with five snapshots of manager_0, each of different content.
    static func fixture(_ label: String) throws -> StoreFixture {
        let fixture = try StoreFixture(label)
        for round in 0..<5 {
            try Data("round \(round)".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
            try fixture.create()
        }
        return fixture
    }

    @Test func dryRunShowsReasonsAndChangesNothing() throws {
        let fixture = try Self.fixture("prune-dry")
        let before = try ProcessRunner.shell("cd '\(fixture.store)' && find . -type f | sort | xargs sha256sum").stdout
        let result = try fixture.snap(["prune", "--keep-last", "2", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("newest of manager_0"))
        #expect(result.stdout.contains("last 2"))
        #expect(result.stdout.contains("would remove"))
        #expect(result.stdout.contains("2 kept, 3 to remove (dry run)"))
        #expect(
            try ProcessRunner.shell("cd '\(fixture.store)' && find . -type f | sort | xargs sha256sum").stdout == before
        )
    }

    @Test func pruneRemovesRecordsAndBundlesAndIsIdempotent() throws {
        let fixture = try Self.fixture("prune-run")
        #expect(try fixture.bundles().count == 5)
        let pinned = try fixture.snap(["pin", "v1"])
        #expect(pinned.status == 0, "\(pinned.stderr)")
        let result = try fixture.snap([
            "prune", "--keep-last", "2", "--json", "--metrics", fixture.directory("prune.prom"),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let metrics = try String(contentsOfFile: fixture.directory("prune.prom"), encoding: .utf8)
        #expect(metrics.contains("snap_run_duration_seconds{action=\"prune\"}"))
        #expect(metrics.contains("snap_snapshots{node=\"manager_0\"} 3"))
        let decisions = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(decisions.filter { $0["keep"] as? Bool == false }.count == 2)
        let versions = try fixture.list().compactMap { $0["version"] as? Int }
        #expect(versions == [5, 4, 1])
        #expect(try fixture.bundles().count == 3)
        #expect(try fixture.snap(["verify", "--all"]).status == 0)
        let again = try fixture.snap(["prune", "--keep-last", "2", "--json"])
        let second = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [[String: Any]])
        #expect(second.allSatisfy { $0["keep"] as? Bool == true })
        #expect(try fixture.list().count == 3)
        #expect(try fixture.snap(["unpin", "v1"]).status == 0)
        #expect(try fixture.snap(["prune", "--keep-last", "2"]).status == 0)
        #expect(try fixture.list().compactMap { $0["version"] as? Int } == [5, 4])
        let history = try fixture.snap(["history", "--action", "prune", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"ok\""))
    }

    @Test func prunesWithTheShippedDefaultPolicy() throws {
        let fixture = try Self.fixture("prune-policy")
        let result = try fixture.snap(["prune", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        // Five snapshots of one day: all within `last 24`.
        #expect(result.stdout.contains("5 kept, 0 to remove"))
        let bad = try fixture.snap(["prune", "--policy", "nonexistent"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("policy nonexistent not found"))
    }
}

extension PruneTests {
    /// The audit entries of `action`, oldest first, as `history --json` prints them.
    static func auditEntries(_ fixture: StoreFixture, store: String, action: String) throws -> [[String: Any]] {
        let history = try SnapBinary.run(["history", "--action", action, "--json", "--store", store])
        try #require(history.status == 0, "\(history.stderr)")
        let entries = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]
        return try #require(entries)
    }

    @Test func createWithPruneRemovesWhatPruneRemovesAndAuditsTheSameFacts() throws {
        let fixture = try Self.fixture("prune-same")
        let policy = fixture.directory("last2.yaml")
        try "mode: auto\nkeep:\n  last: 2\ntimezone: UTC\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let twin = fixture.directory("twin")
        try #require(try ProcessRunner.shell("cp -a '\(fixture.store)' '\(twin)'").status == 0)
        try Data("round 5".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        let source = ["--from-dir", fixture.mnesia, "--node", "manager_0", "--dump", fixture.dump]
        let combined = try fixture.snap(["create"] + source + ["--prune", "--policy", policy])
        #expect(combined.status == 0, "\(combined.stderr)")
        let created = try SnapBinary.run(["create"] + source + ["--store", twin])
        #expect(created.status == 0, "\(created.stderr)")
        let pruned = try SnapBinary.run(["prune", "--policy", policy, "--store", twin])
        #expect(pruned.status == 0, "\(pruned.stderr)")

        func versions(_ store: String) throws -> [Int] {
            let list = try SnapBinary.run(["list", "--json", "--store", store])
            let records = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
            return (records ?? []).compactMap { $0["version"] as? Int }.sorted()
        }
        #expect(try versions(fixture.store) == [5, 6])
        #expect(try versions(twin) == [5, 6])
        let viaCreate = try #require(try Self.auditEntries(fixture, store: fixture.store, action: "prune").last)
        let viaPrune = try #require(try Self.auditEntries(fixture, store: twin, action: "prune").last)
        #expect(viaCreate["outcome"] as? String == "ok")
        #expect(viaCreate["snapshots"] as? [String] == viaPrune["snapshots"] as? [String])
        #expect((viaCreate["snapshots"] as? [String])?.count == 4)
        #expect(viaCreate["nodes"] as? [String] == ["manager_0"])
        #expect(viaCreate["nodes"] as? [String] == viaPrune["nodes"] as? [String])
    }
}
