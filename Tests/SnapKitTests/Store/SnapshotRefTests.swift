import Foundation
import SnapKit
import Testing

@Suite struct SnapshotRefTests {
    static func record(_ id: String, _ version: Int, _ node: String, tags: [String] = []) -> SnapshotRecord {
        SnapshotRecord(
            id: id, version: version, created: Date(timeIntervalSince1970: Double(version) * 3600), node: node,
            mode: .fromDir, tags: tags, host: "h", user: "u", toolVersion: "0", bundleSha256: "b", bundleSize: 1,
            treeDigest: "t", deduplicated: false, fileCount: 1, unpackedSize: 1, hasDump: false)
    }

    static let records = [
        record("aaaaaa1111111111", 1, "manager_0"),
        record("aaaaaa2222222222", 2, "manager_1"),
        record("bbbbbb3333333333", 3, "manager_0"),
        record("cccccc4444444444", 4, "manager_1"),
    ]

    @Test(arguments: [
        ("latest", "cccccc4444444444"),
        ("latest~1", "bbbbbb3333333333"),
        ("latest~3", "aaaaaa1111111111"),
        ("latest@manager_0", "bbbbbb3333333333"),
        ("latest@manager_0~1", "aaaaaa1111111111"),
        ("latest@manager_1", "cccccc4444444444"),
        ("v2", "aaaaaa2222222222"),
        ("bbbbbb", "bbbbbb3333333333"),
        ("BBBBBB3", "bbbbbb3333333333"),
        ("aaaaaa2222222222", "aaaaaa2222222222"),
    ])
    func resolves(ref: String, id: String) throws {
        #expect(try SnapshotRef(parsing: ref).resolve(in: Self.records).id == id)
    }

    /// The store after a restore to manager_0 and manager_2: each had its files recorded
    /// as a pre-restore snapshot (v5, v6; manager_2 had never been captured).
    static let afterRestore =
        records + [
            record("dddddd5555555555", 5, "manager_0", tags: ["pre-restore"]),
            record("eeeeee6666666666", 6, "manager_2", tags: ["pre-restore"]),
        ]

    @Test(arguments: [
        ("latest", "cccccc4444444444"),
        ("latest~1", "bbbbbb3333333333"),
        ("latest~3", "aaaaaa1111111111"),
        ("latest@manager_0", "bbbbbb3333333333"),
        ("latest@manager_0~1", "aaaaaa1111111111"),
        ("latest@manager_1", "cccccc4444444444"),
        ("v5", "dddddd5555555555"),
        ("v6", "eeeeee6666666666"),
        ("dddddd", "dddddd5555555555"),
        ("eeeeee6666666666", "eeeeee6666666666"),
    ])
    func latestIgnoresPreRestoreSnapshots(ref: String, id: String) throws {
        #expect(try SnapshotRef(parsing: ref).resolve(in: Self.afterRestore).id == id)
    }

    @Test(arguments: [
        ("latest@manager_2", "1 pre-restore snapshots"),
        ("latest@manager_0~2", "1 pre-restore snapshots"),
        ("latest~4", "2 pre-restore snapshots"),
    ])
    func latestThatFindsOnlyPreRestoreSnapshotsSaysHowToNameThem(ref: String, count: String) throws {
        let parsed = try SnapshotRef(parsing: ref)
        #expect {
            try parsed.resolve(in: Self.afterRestore)
        } throws: { error in
            guard case RefError.notFound = error else { return false }
            let text = "\(error)"
            return text.contains(count) && text.contains("\(Remedy.list(tag: "pre-restore"))")
                && text.contains("id or vN")
        }
    }

    @Test(arguments: ["abc", "", "latest@", "latest~x", "v", "zzzzzzz", "latestx", "latest~-1", "-v2"])
    func rejectsMalformed(ref: String) {
        #expect(throws: RefError.self) { try SnapshotRef(parsing: ref) }
    }

    @Test(arguments: ["latest~4", "latest@manager_2", "v9", "dddddd"])
    func reportsUnknown(ref: String) throws {
        let parsed = try SnapshotRef(parsing: ref)
        #expect {
            try parsed.resolve(in: Self.records)
        } throws: { error in
            guard case RefError.notFound = error else { return false }
            return true
        }
    }

    @Test func ambiguousPrefixListsCandidates() throws {
        let parsed = try SnapshotRef(parsing: "aaaaaa")
        #expect {
            try parsed.resolve(in: Self.records)
        } throws: { error in
            guard case let RefError.ambiguous(_, candidates) = error else { return false }
            return candidates.count == 2 && candidates.allSatisfy { $0.hasPrefix("aaaaaa") }
                && "\(error)".contains("aaaaaa1111111111") && "\(error)".contains("aaaaaa2222222222")
        }
    }
}
