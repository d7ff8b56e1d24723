import Foundation
import SnapTestSupport
import Testing

/// Issue 13, finding 7, reproduced with a real skewed clock (libfaketime): snap orders
/// snapshots by version, so a capture made while the clock was wrong neither loses the
/// newest snapshot to `prune` nor keeps `check` green; `check` and `verify` name it.
@Suite struct ClockSkewTests {
    /// The versions `snap list` shows, highest first.
    static func versions(_ fixture: StoreFixture) throws -> [Int] {
        try fixture.list().compactMap { $0["version"] as? Int }
    }

    /// Runs `snap create` of the fixture's directory on a host whose clock is `offset` off.
    static func createWithClock(_ offset: String, _ fixture: StoreFixture) throws {
        let result = try SnapBinary.run(
            ["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--store", fixture.store],
            clockOffset: offset, directory: fixture.directory.path)
        try #require(result.status == 0, "\(result.stderr)")
    }

    @Test func pruneKeepsTheSnapshotLatestNamesWhenTheClockWasBehind() throws {
        let fixture = try StoreFixture("clock-behind")
        try fixture.create()
        try Self.createWithClock("-3d", fixture)
        let latest = try fixture.snap(["show", "latest", "--json"])
        #expect(latest.stdout.contains("\"version\" : 2"), "\(latest.stdout)")

        let prune = try fixture.snap(["prune", "--keep-last", "1"])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(try Self.versions(fixture) == [2], "prune removed what latest names")

        let check = try fixture.snap(["check", "--warn", "4d", "--crit", "5d"])
        #expect(check.status == 0, "only v2 is left, and it is in order: \(check.stdout)")
    }

    @Test func aFirstCaptureDatedBeforeInitDoesNotLookLikeATruncatedAuditLog() throws {
        let fixture = try StoreFixture("clock-behind-first")
        try Self.createWithClock("-3d", fixture)
        let audit = try fixture.snap(["audit", "verify"])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
    }

    @Test func aCaptureDatedAYearAheadIsNeverFreshAndIsNamed() throws {
        let fixture = try StoreFixture("clock-ahead")
        try Self.createWithClock("+365d", fixture)
        // No backup since, whatever the thresholds: at least WARNING, naming v1 and why.
        let alone = try fixture.snap(["check", "--warn", "1h", "--crit", "2h"])
        #expect(alone.status == 1, "\(alone.stdout)")
        #expect(alone.stdout.contains("WARNING: manager_0: newest v1 is dated in the future"), "\(alone.stdout)")
        #expect(alone.stdout.contains("v1 of manager_0"), "\(alone.stdout)")

        // The clock is right again: v2 is the newest, and v2 and v1 stay named.
        try fixture.create()
        let check = try fixture.snap(["check", "--warn", "1h", "--crit", "2h"])
        #expect(check.status == 1, "\(check.stdout)")
        #expect(check.stdout.contains("newest v2 "), "\(check.stdout)")
        #expect(check.stdout.contains("in the future") && check.stdout.contains("before v1"), "\(check.stdout)")

        let verify = try fixture.snap(["verify", "--all", "--json"])
        #expect(verify.status == 0, "clock warnings do not fail verify: \(verify.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any])
        let warnings = try #require(report["clock_warnings"] as? [[String: Any]])
        #expect(warnings.compactMap { $0["version"] as? Int }.sorted() == [1, 2])
        #expect(Set(warnings.compactMap { $0["kind"] as? String }) == ["future", "before_previous"])
        let lines = verify.stderr.split(separator: "\n").filter { $0.hasPrefix("snap: warning: clock: ") }
        #expect(lines.count == 2, "\(verify.stderr)")

        let prune = try fixture.snap(["prune", "--keep-last", "1"])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(try Self.versions(fixture) == [2])
    }
}
