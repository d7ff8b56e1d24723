import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct RetentionTests {
    static func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text) ?? Date(timeIntervalSince1970: 0)
    }

    static func record(
        _ created: Date, node: String = "manager_0", version: Int, tags: [String] = [],
        verified: Bool? = nil
    ) -> SnapshotRecord {
        var record = SnapshotRecord(
            id: String(format: "%016x", version), version: version, created: created, node: node, mode: .files,
            tags: tags,
            host: "h", user: "u", toolVersion: "0", bundleSha256: "b", bundleSize: 1, treeDigest: "t",
            deduplicated: false, fileCount: 1, unpackedSize: 1, hasDump: false)
        if let verified { record.verification = .init(checked: created, ok: verified) }
        return record
    }

    /// Snapshots every `step` seconds from `start`, `count` of them.
    static func series(from start: String, step: Double, count: Int, node: String = "manager_0") -> [SnapshotRecord] {
        (0..<count).map { record(date(start).addingTimeInterval(Double($0) * step), node: node, version: $0 + 1) }
    }

    static func kept(_ decisions: [RetentionDecision]) -> [Date] {
        decisions.filter(\.keep).map(\.created).sorted()
    }

    static let utc = TimeZone(identifier: "UTC") ?? .current
    static let standard = RetentionRules(
        last: 24, hourly: 48, daily: 14, weekly: 8, monthly: 12, yearly: 3, within: 36 * 3600)

    @Test func aYearOfHourlySnapshotsAgainstTheDefaultPolicy() {
        let records = Self.series(from: "2026-01-01T00:00:00Z", step: 3600, count: 8760)
        let decisions = Retention.decide(
            records, rules: Self.standard, timeZone: Self.utc, pinned: [], now: records[8759].created)
        // 48 hours, then 12 more days (12-18..12-29), 5 more ISO weeks (W46..W50 less those
        // already kept), 11 more months, and the oldest snapshot (yearly has count left).
        #expect(decisions.filter(\.keep).count == 77)
        let byDate = Dictionary(uniqueKeysWithValues: decisions.map { ($0.created, $0) })
        #expect(byDate[Self.date("2026-01-01T00:00:00Z")]?.reasons == ["yearly oldest"])
        #expect(byDate[Self.date("2026-11-30T23:00:00Z")]?.reasons == ["monthly 2026-11"])
        #expect(byDate[Self.date("2026-12-13T23:00:00Z")]?.reasons == ["weekly 2026-W50"])
        #expect(byDate[Self.date("2026-12-18T23:00:00Z")]?.reasons == ["daily 2026-12-18"])
        #expect(byDate[Self.date("2026-12-30T00:00:00Z")]?.reasons == ["hourly 2026-12-30 00h"])
        #expect(byDate[Self.date("2026-12-30T11:00:00Z")]?.keep == true)
        #expect(byDate[Self.date("2026-12-29T22:00:00Z")]?.keep == false)
        let newest = byDate[Self.date("2026-12-31T23:00:00Z")]?.reasons ?? []
        #expect(newest.contains("newest of manager_0") && newest.contains("last 24") && newest.contains("within 36h"))
    }

    @Test(arguments: [
        // ISO week 53: Thu 2026-12-31 and Fri 2027-01-01 are both 2026-W53.
        (
            ["2026-12-31T12:00:00Z", "2027-01-01T12:00:00Z", "2027-01-04T12:00:00Z"], RetentionRules(weekly: 2),
            ["2027-01-01T12:00:00Z", "2027-01-04T12:00:00Z"]
        ),
        // Dec 31 -> Jan 1 are different years.
        (["2026-12-31T23:00:00Z", "2027-01-01T01:00:00Z"], RetentionRules(yearly: 1), ["2027-01-01T01:00:00Z"]),
        // Month ends: Feb 28 and Mar 1 are different months, the newest of each is kept.
        (
            ["2027-02-27T10:00:00Z", "2027-02-28T23:59:59Z", "2027-03-01T00:00:00Z"], RetentionRules(monthly: 2),
            ["2027-02-28T23:59:59Z", "2027-03-01T00:00:00Z"]
        ),
        // Day boundary: the newest of each day.
        (
            ["2026-11-28T23:30:00Z", "2026-11-29T00:30:00Z", "2026-11-29T12:00:00Z"], RetentionRules(daily: 2),
            ["2026-11-28T23:30:00Z", "2026-11-29T12:00:00Z"]
        ),
        // A rule with count left keeps the oldest snapshot too.
        (
            ["2026-11-27T08:00:00Z", "2026-11-27T09:00:00Z", "2026-11-28T09:00:00Z"], RetentionRules(daily: 5),
            ["2026-11-27T08:00:00Z", "2026-11-27T09:00:00Z", "2026-11-28T09:00:00Z"]
        ),
        // within counts back from the node's newest snapshot, not from now.
        (
            ["2026-11-01T00:00:00Z", "2026-11-01T12:00:00Z", "2026-11-02T11:00:00Z", "2026-11-02T12:00:00Z"],
            RetentionRules(within: 86_400), ["2026-11-02T11:00:00Z", "2026-11-02T12:00:00Z"]
        ),
        // last N.
        (
            ["2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z", "2026-11-01T02:00:00Z"], RetentionRules(last: 2),
            ["2026-11-01T01:00:00Z", "2026-11-01T02:00:00Z"]
        ),
    ])
    func boundaries(created: [String], rules: RetentionRules, expected: [String]) {
        let records = created.enumerated().map { Self.record(Self.date($0.element), version: $0.offset + 1) }
        let decisions = Retention.decide(
            records, rules: rules, timeZone: Self.utc, pinned: [], now: Self.date("2027-06-01T00:00:00Z"))
        #expect(Self.kept(decisions) == expected.map(Self.date))
    }

    @Test(arguments: [
        // Berlin leaves summer time on 2026-10-25 (a 25-hour day); New York on 2026-11-01.
        (
            "Europe/Berlin", "2026-10-23T00:00:00Z",
            ["2026-10-24T21:00:00Z", "2026-10-25T22:00:00Z", "2026-10-26T12:00:00Z"]
        ),
        (
            "America/New_York", "2026-10-30T00:00:00Z",
            ["2026-11-01T03:00:00Z", "2026-11-02T04:00:00Z", "2026-11-02T12:00:00Z"]
        ),
        // Berlin enters summer time on 2026-03-29 (a 23-hour day).
        (
            "Europe/Berlin", "2026-03-27T00:00:00Z",
            ["2026-03-28T22:00:00Z", "2026-03-29T21:00:00Z", "2026-03-30T12:00:00Z"]
        ),
    ])
    func daylightSavingDaysAreNeitherDoubledNorMissing(zone: String, start: String, expected: [String]) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        let end = Self.date(expected[2])
        let count = Int(end.timeIntervalSince(Self.date(start)) / 3600) + 1
        let records = Self.series(from: start, step: 3600, count: count)
        let decisions = Retention.decide(
            records, rules: RetentionRules(daily: 3), timeZone: timeZone, pinned: [], now: end)
        #expect(Self.kept(decisions) == expected.map(Self.date))
        let labels = decisions.filter(\.keep).flatMap(\.reasons).filter { $0.hasPrefix("daily") }
        #expect(Set(labels).count == 3)
    }

    @Test func safetyRulesOutrankEveryPolicy() {
        let records = [
            Self.record(Self.date("2026-01-01T00:00:00Z"), version: 1, verified: true),
            Self.record(Self.date("2026-02-01T00:00:00Z"), version: 2, verified: false),
            Self.record(Self.date("2026-03-01T00:00:00Z"), version: 3),
            Self.record(Self.date("2026-03-02T00:00:00Z"), version: 4, tags: ["pre-restore"]),
            Self.record(Self.date("2026-03-05T00:00:00Z"), version: 5),
            Self.record(Self.date("2026-01-01T00:00:00Z"), node: "manager_1", version: 6),
        ]
        let pinned: Set<String> = [records[2].id]
        let decisions = Retention.decide(
            records, rules: RetentionRules(last: 1), timeZone: Self.utc, pinned: pinned,
            now: Self.date("2026-03-06T00:00:00Z"))
        let byVersion = Dictionary(uniqueKeysWithValues: decisions.map { ($0.version, $0) })
        #expect(byVersion[1]?.reasons == ["last verified of manager_0"])
        #expect(byVersion[2]?.keep == false)
        #expect(byVersion[3]?.reasons == ["pinned"])
        #expect(byVersion[4]?.reasons == ["pre-restore (held 1w)"])
        #expect(byVersion[5]?.reasons.contains("newest of manager_0") == true)
        #expect(byVersion[6]?.reasons.contains("newest of manager_1") == true)
        // Two weeks later the pre-restore snapshot is no longer held.
        let later = Retention.decide(
            records, rules: RetentionRules(last: 1), timeZone: Self.utc, pinned: pinned,
            now: Self.date("2026-03-20T00:00:00Z"))
        #expect(later.first { $0.version == 4 }?.keep == false)
    }

    @Test func theNewestSnapshotThatLoadedIsAlwaysKept() {
        let now = VerifyLoadTests.now
        let records = [
            VerifyLoadTests.record(1, hoursAgo: 90, loaded: true),
            VerifyLoadTests.record(2, hoursAgo: 80, loaded: true),
            VerifyLoadTests.record(3, hoursAgo: 70, loaded: false),
            VerifyLoadTests.record(4, hoursAgo: 60, loaded: true, preRestore: true),
            VerifyLoadTests.record(5, hoursAgo: 50),
            VerifyLoadTests.record(6, node: "manager_1", hoursAgo: 40, loaded: false),
            VerifyLoadTests.record(7, node: "manager_1", hoursAgo: 30),
        ]
        let decisions = Retention.decide(
            records, rules: RetentionRules(last: 1, preRestore: 3600), timeZone: Self.utc, pinned: [], now: now)
        let byVersion = Dictionary(uniqueKeysWithValues: decisions.map { ($0.version, $0) })
        // v2, not v1 (an older one that loaded) nor v3 (newer, but it failed) nor v4 (a
        // pre-restore snapshot is no regular capture).
        #expect(byVersion[2]?.reasons == ["last loaded of manager_0"])
        #expect(byVersion[1]?.keep == false && byVersion[3]?.keep == false && byVersion[4]?.keep == false)
        #expect(byVersion[5]?.reasons == ["newest of manager_0", "last 1"])
        // Nothing of manager_1 ever loaded: no such reason there.
        #expect(byVersion[6]?.keep == false)
        #expect(decisions.allSatisfy { !$0.reasons.contains("last loaded of manager_1") })
    }

    /// Versions kept when `created[i]` is the date of version i + 1 (tagged `pre-restore`
    /// when its index is in `preRestore`).
    static func keptVersions(
        _ created: [String], preRestore: Set<Int> = [], rules: RetentionRules, now: String = "2026-11-20T00:00:00Z"
    ) -> [Int] {
        let records = created.enumerated().map { index, date in
            Self.record(Self.date(date), version: index + 1, tags: preRestore.contains(index) ? ["pre-restore"] : [])
        }
        let decisions = Retention.decide(records, rules: rules, timeZone: Self.utc, pinned: [], now: Self.date(now))
        return decisions.filter(\.keep).map(\.version).sorted()
    }

    @Test(arguments: [
        // The clock 3 days behind for v3: v3 is still the newest (issue 13, finding 7).
        (["2026-11-28T10:00:00Z", "2026-11-29T10:00:00Z", "2026-11-26T10:00:00Z"], RetentionRules(last: 1), [3]),
        // One capture a year ahead (v2) does not outrank the captures made after it.
        (
            ["2026-11-01T00:00:00Z", "2027-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"],
            RetentionRules(last: 2), [3, 4]
        ),
        // within counts back from the highest version's date (v3), not from the latest date (v2).
        (
            ["2026-11-01T00:00:00Z", "2026-11-10T00:00:00Z", "2026-11-03T00:00:00Z"],
            RetentionRules(within: 3 * 86_400),
            [1, 2, 3]
        ),
        // The newest of a calendar bucket is its highest version, even when dated earlier.
        (["2026-11-29T12:00:00Z", "2026-11-29T08:00:00Z"], RetentionRules(daily: 1), [2]),
        // Buckets rank by the highest version they hold: v3 (11-27) is newer than v2 (11-28).
        (
            ["2026-11-26T12:00:00Z", "2026-11-28T12:00:00Z", "2026-11-27T12:00:00Z"], RetentionRules(daily: 1),
            [3]
        ),
    ])
    func newestIsTheHighestVersionWhateverTheClockSaid(created: [String], rules: RetentionRules, expected: [Int]) {
        #expect(Self.keptVersions(created, rules: rules) == expected)
    }

    @Test(arguments: [
        // A pre-restore snapshot is never the node's newest: older than its hold, it goes.
        (["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"], Set([1]), RetentionRules(last: 1), [1]),
        // last N counts regular captures only; a young pre-restore snapshot is held besides.
        (
            ["2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z"], Set([2]),
            RetentionRules(last: 2), [1, 2, 3]
        ),
        // The policy's pre_restore hold, whatever the other rules say.
        (
            ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"], Set([1]),
            RetentionRules(last: 1, preRestore: 30 * 86_400), [2, 3]
        ),
        (
            ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"], Set([1]),
            RetentionRules(last: 1, preRestore: 86_400), [3]
        ),
        // Calendar rules neither keep nor count pre-restore snapshots.
        (["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"], Set([1]), RetentionRules(daily: 2), [1]),
        // within counts back from the newest regular capture, not from a pre-restore snapshot.
        (["2026-11-01T00:00:00Z", "2026-11-05T00:00:00Z"], Set([1]), RetentionRules(within: 2 * 86_400), [1]),
        // A node with only pre-restore snapshots keeps them for their hold, then not at all.
        (["2026-11-01T00:00:00Z"], Set([0]), RetentionRules(last: 5), []),
        (["2026-11-15T00:00:00Z"], Set([0]), RetentionRules(last: 5), [1]),
    ])
    func preRestoreSnapshotsAreASeriesOfTheirOwn(
        created: [String], preRestore: Set<Int>, rules: RetentionRules, expected: [Int]
    ) {
        #expect(Self.keptVersions(created, preRestore: preRestore, rules: rules) == expected)
    }

    @Test(arguments: 0..<40)
    func randomSetsKeepNewestAndPinnedAndStricterKeepsLess(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) + 1)
        let base = Self.date("2026-01-01T00:00:00Z")
        let records = (0..<Int.random(in: 1...150, using: &generator)).map { index in
            Self.record(
                base.addingTimeInterval(Double.random(in: 0...(365 * 86_400), using: &generator)),
                node: Bool.random(using: &generator) ? "manager_0" : "manager_1", version: index + 1)
        }
        let pinned = Set(records.filter { _ in Int.random(in: 0..<20, using: &generator) == 0 }.map(\.id))
        func random() -> Int? { Bool.random(using: &generator) ? Int.random(in: 0...6, using: &generator) : nil }
        let loose = RetentionRules(
            last: random(), hourly: random(), daily: random(), weekly: random(), monthly: random(),
            yearly: random())
        var strict = loose
        strict.daily = loose.daily.map { max(0, $0 - 1) }
        strict.monthly = loose.monthly.map { max(0, $0 - 2) }
        strict.last = loose.last.map { max(0, $0 - 1) }
        let now = base.addingTimeInterval(400 * 86_400)
        let looseKept = Set(
            Retention.decide(records, rules: loose, timeZone: Self.utc, pinned: pinned, now: now)
                .filter(\.keep).map(\.id))
        let strictKept = Set(
            Retention.decide(records, rules: strict, timeZone: Self.utc, pinned: pinned, now: now)
                .filter(\.keep).map(\.id))
        #expect(pinned.isSubset(of: strictKept))
        for node in ["manager_0", "manager_1"] {
            if let newest = records.filter({ $0.node == node }).max(by: { $0.version < $1.version }) {
                #expect(strictKept.contains(newest.id))
            }
        }
        #expect(strictKept.isSubset(of: looseKept))
        // Pruning twice equals pruning once.
        let survivors = records.filter { looseKept.contains($0.id) }
        let again = Retention.decide(survivors, rules: loose, timeZone: Self.utc, pinned: pinned, now: now)
        #expect(again.allSatisfy { $0.keep })
    }
}
