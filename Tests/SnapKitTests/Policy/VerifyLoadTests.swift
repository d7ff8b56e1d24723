import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct VerifyLoadTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour = 3600.0
    static let day = 86_400.0

    /// A capture of `node` made `hoursAgo` before ``now``; `loaded` gives it a rehearsal
    /// verdict checked `checkedHoursAgo` before now (default: when it was made).
    static func record(
        _ version: Int, node: String = "manager_0", hoursAgo: Double, loaded: Bool? = nil,
        checkedHoursAgo: Double? = nil, problems: [String]? = nil, preRestore: Bool = false
    ) -> SnapshotRecord {
        let created = now.addingTimeInterval(-hoursAgo * hour)
        var record = SnapshotRecord(
            id: String(format: "%016x", version), version: version, created: created, node: node, mode: .files,
            tags: preRestore ? ["pre-restore"] : [], host: "h", user: "u", toolVersion: "0", bundleSha256: "b",
            bundleSize: 1, treeDigest: "t", deduplicated: false, fileCount: 1, unpackedSize: 1, hasDump: false)
        if let loaded {
            record.load = LoadVerdict(
                checked: now.addingTimeInterval(-(checkedHoursAgo ?? hoursAgo) * hour), ok: loaded, seconds: 2,
                tables: [], problems: loaded ? nil : (problems ?? ["members: 3 rows, the summary says 4"]))
        }
        return record
    }

    static func versions(_ mode: Policy.VerifyLoad, created: [SnapshotRecord], others: [SnapshotRecord]) -> [Int] {
        mode.snapshotsToRehearse(created: created, all: others + created, now: now).map(\.version)
    }

    @Test func offRehearsesNothingAndAfterCreateWhatTheRunMade() {
        let created = [Self.record(3, hoursAgo: 0), Self.record(4, node: "manager_1", hoursAgo: 0)]
        let others = [Self.record(1, hoursAgo: 5, loaded: true)]
        #expect(Self.versions(.off, created: created, others: others).isEmpty)
        #expect(Self.versions(.afterCreate, created: created, others: others) == [3, 4])
        #expect(Self.versions(.afterCreate, created: [], others: others).isEmpty)
    }

    /// Cases of ``everyPeriodRehearsesTheNewestWhenTheNodeHasNoRecentProof(others:created:expected:)``,
    /// with a daily period: the store's other records, the ones the run made, the versions
    /// to rehearse.
    static let dailyCases: [([SnapshotRecord], [SnapshotRecord], [Int])] = [
        // Never rehearsed: the newest.
        ([record(1, hoursAgo: 2)], [record(2, hoursAgo: 0)], [2]),
        // Loaded 5 hours ago: nothing yet.
        ([record(1, hoursAgo: 5, loaded: true)], [record(2, hoursAgo: 0)], []),
        // Loaded 25 hours ago: the newest.
        ([record(1, hoursAgo: 25, loaded: true)], [record(2, hoursAgo: 0)], [2]),
        // The age is the loaded snapshot's own (created), not when it was proven: v1 made 30
        // hours ago and proven an hour ago is an old state.
        ([record(1, hoursAgo: 30, loaded: true, checkedHoursAgo: 1)], [record(2, hoursAgo: 0)], [2]),
        // A failed rehearsal is no proof: the newest is rehearsed.
        ([record(1, hoursAgo: 3, loaded: false)], [record(2, hoursAgo: 0)], [2]),
        // The newest failed to load 2 hours ago: not rehearsed again within the period...
        ([record(1, hoursAgo: 30, loaded: true)], [record(2, hoursAgo: 3, loaded: false, checkedHoursAgo: 2)], []),
        // ...but once its verdict is older than the period.
        ([record(1, hoursAgo: 60, loaded: true)], [record(2, hoursAgo: 30, loaded: false)], [2]),
        // Newest means the highest version, whatever the dates say: v3 (dated earlier) is
        // the newest, and the one rehearsed.
        ([record(1, hoursAgo: 30, loaded: true), record(3, hoursAgo: 40)], [record(2, hoursAgo: 0)], [3]),
        // A pre-restore snapshot is never the newest, nor a proof.
        (
            [record(1, hoursAgo: 30, loaded: true), record(3, hoursAgo: 1, loaded: true, preRestore: true)],
            [record(2, hoursAgo: 2)], [2]
        ),
        // Per node of the run's captures: manager_1's proof is recent, manager_0 has none;
        // manager_2 made nothing this run and is left alone.
        (
            [record(1, node: "manager_1", hoursAgo: 3, loaded: true), record(5, node: "manager_2", hoursAgo: 90)],
            [record(6, hoursAgo: 0), record(7, node: "manager_1", hoursAgo: 0)], [6]
        ),
        // Two captures of one node in a run: its newest, once.
        ([], [record(8, hoursAgo: 0), record(9, hoursAgo: 0)], [9]),
    ]

    @Test(arguments: dailyCases)
    func everyPeriodRehearsesTheNewestWhenTheNodeHasNoRecentProof(
        others: [SnapshotRecord], created: [SnapshotRecord], expected: [Int]
    ) {
        #expect(Self.versions(.every(Self.day), created: created, others: others) == expected)
    }

    @Test func theRunsCapturesNeedNotBeAmongAllRecords() {
        let rehearse = Policy.VerifyLoad.every(Self.hour).snapshotsToRehearse(
            created: [Self.record(2, hoursAgo: 0)], all: [Self.record(1, hoursAgo: 2, loaded: true)], now: Self.now)
        #expect(rehearse.map(\.version) == [2])
    }

    @Test(arguments: [
        (Policy.VerifyLoad.off, "off", nil),
        (.afterCreate, "after_create", "proves the new snapshots load (verify_load: after_create)"),
        (.every(3600), "hourly", "proves each node's newest snapshot loads once an hour (verify_load: hourly)"),
        (.every(86_400), "daily", "proves each node's newest snapshot loads once a day (verify_load: daily)"),
        (.every(604_800), "weekly", "proves each node's newest snapshot loads once a week (verify_load: weekly)"),
        (.every(2 * 86_400), "2d", "proves each node's newest snapshot loads once every 2d (verify_load: 2d)"),
    ])
    func cronSaysWhatEachRunProves(mode: Policy.VerifyLoad, name: String, summary: String?) {
        #expect(mode.name == name)
        #expect(mode.cronSummary == summary)
    }
}
