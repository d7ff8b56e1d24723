import Foundation
import Glibc
import SnapTestSupport
import Testing

@testable import SnapKit

/// The decoders of the store's own files: they are written by snap, but a disk, a bad copy
/// or a person can change them.
extension FuzzTests {
    @Test func snapshotRecordDecoder() throws {
        let directory = TemporaryDirectory("fuzz-record")
        let store = try Store.initialize(at: directory("store"))
        var record = SnapshotRefTests.record("abcdef0123456789", 7, "manager_0")
        record.tags = ["nightly", "before-upgrade"]
        record.note = "note with \"quotes\" and \\ and ünïcode"
        record.tables = [TableSummary(name: "leo_s3_users", rows: 3, digest: String(repeating: "a", count: 64))]
        record.ringHashes = .init(current: "41e0c107", previous: nil)
        record.verification = .init(checked: Date(timeIntervalSince1970: 1_700_000_000), ok: false, problem: "x")
        record.pinned = true
        record.nodename = "manager_0@127.0.0.1"
        record.load = LoadVerdict(
            checked: Date(timeIntervalSince1970: 1_700_000_100), ok: false, seconds: 1.5, tables: record.tables ?? [],
            forced: ["leo_members"], problems: ["leo_s3_users: 2 rows, the summary says 3"], runtime: "erl OTP 25")
        try store.locked { try $0.save(record) }
        let path = store.recordPath(record.id)
        let rules = RetentionRules(last: 2, hourly: 3, daily: 4, weekly: 2, monthly: 2, yearly: 1, within: 3600)
        Self.check(
            FuzzTarget(
                name: "record", corpus: [try FileOps.readFile(path)],
                dictionary: Self.tokens([
                    "\"created\" : \"", "2024-02-29T23:59:60Z", "0001-01-01T00:00:00Z", "\"version\":", "[]", "{}",
                    "\"mode\":\"cold\"", "\\u0000", "\\ud800", "1e400",
                ])
            ) { input in
                try Data(input).write(to: URL(fileURLWithPath: path))
                let set = try store.loadRecords()
                guard set.records.count + set.damaged.count == 1 else {
                    throw FuzzFinding("one record file gave \(set.records.count) records, \(set.damaged.count) damaged")
                }
                if let damage = set.damaged.first { throw damage }
                guard let decoded = set.records.first else { return }
                let again = try JSONCoding.decode(SnapshotRecord.self, from: try JSONCoding.encode(decoded), path: path)
                guard again == decoded else { throw FuzzFinding("a record changed when written and read back") }
                _ = try SnapshotRef.latest(node: decoded.node, back: 0).resolve(in: set.records)
                let now = Date(timeIntervalSince1970: 1_800_000_000)
                _ = PruneOperation.decide(
                    set.records, rules: rules, timeZone: TimeZone(identifier: "UTC") ?? .current, now: now)
                if let zone = TimeZone(identifier: "Pacific/Chatham") {
                    _ = PruneOperation.decide(set.records, rules: rules, timeZone: zone, now: decoded.created)
                }
                // What monitoring, show and diff compute from a record's numbers and dates.
                var results = FreshnessCheck.evaluate(
                    records: set.records, nodes: ["manager_0"], unfinishedRestores: [], warn: 3600, crit: 7200, now: now
                )
                FreshnessCheck.judgeLoad(&results, records: set.records, warn: 3600, now: now)
                _ = Policy.VerifyLoad.every(3600).snapshotsToRehearse(created: [decoded], all: set.records, now: now)
                _ = MetricsFile.render(
                    records: set.records, storeBytes: decoded.bundleSize, action: "create", duration: 1)
                _ = SnapshotDiff.tableChanges(decoded.tables ?? [], record.tables ?? [])
            })
    }

    @Test func storeInfoDecoder() throws {
        let directory = TemporaryDirectory("fuzz-storejson")
        let store = try Store.initialize(at: directory("store"))
        Self.check(
            FuzzTarget(
                name: "store.json", corpus: [try FileOps.readFile(store.infoPath)],
                dictionary: Self.tokens(["\"format_version\" : ", "\"last_version\" : ", "2", "null", "\"1\""])
            ) { input in
                try Data(input).write(to: URL(fileURLWithPath: store.infoPath))
                _ = try Store.open(at: store.root)
            })
    }

    @Test func auditLogDecoderAndVerifier() throws {
        let directory = TemporaryDirectory("fuzz-audit")
        let log = AuditLog(path: directory("audit.log"), storeId: "fuzz-store")
        for (index, action) in ["init", "create", "verify"].enumerated() {
            try log.append(
                AuditDraft(
                    argv: ["snap", action, "--note", "a\nb \u{7}"], action: action, snapshots: ["s\(index)"],
                    nodes: ["manager_0"], outcome: index == 2 ? "failed" : "ok", error: index == 2 ? "x" : nil,
                    durationMs: index), now: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)))
        }
        let draft = AuditDraft(argv: ["snap", "audit", "verify"], action: "audit-verify", outcome: "ok", durationMs: 1)
        Self.check(
            FuzzTarget(
                name: "audit", corpus: [try FileOps.readFile(log.path)],
                dictionary: Self.tokens(["\n", "{\"seq\":", "\"prev_hash\":\"", "\"hash\":null", "\"seq\":-1"])
            ) { input in
                try Data(input).write(to: URL(fileURLWithPath: log.path))
                let before = try log.verify()
                _ = try log.entries()
                try log.append(draft)
                let after = try log.verify()
                // Appending to an intact chain must keep it intact, and cut any torn tail.
                if before.ok && !(after.ok && after.count == before.count + 1 && after.tornTailBytes == 0) {
                    throw FuzzFinding("an append broke an intact chain: \(after.problem ?? "torn tail left")")
                }
                if let problem = before.problem { throw FuzzRefusal(problem) }
            })
    }
}
