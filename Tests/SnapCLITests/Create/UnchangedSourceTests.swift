import Foundation
import Glibc
import SnapTestSupport
import Testing

/// `create --from-dir` of a directory that did not change on disk reuses the node's last
/// bundle without reading the files; any write, even one that puts the size and mtime
/// back, is still seen.
@Suite struct UnchangedSourceTests {
    @Test func anUntouchedDirectoryIsNotReadAgain() throws {
        let fixture = try StoreFixture("unchanged")
        let first = try fixture.create()
        let sizeBefore = try storeBytes(fixture.store)
        let again = try fixture.snap([
            "create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--dump", fixture.dump, "-v",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("unchanged on disk since \(first)"), "\(again.stderr)")
        #expect(again.stdout.contains("bundle reused"))
        #expect(try fixture.bundles().count == 1)
        // The dump was not parsed again; the new record carries the same table summary.
        let records = try fixture.list()
        let tables = records.compactMap { $0["tables"] as? [[String: Any]] }
        #expect(tables.count == 2 && !tables[0].isEmpty)
        #expect(
            tables.count == 2 && tables[0].map { $0["digest"] as? String } == tables[1].map { $0["digest"] as? String })
        // A record and an audit line, nothing else.
        #expect(try storeBytes(fixture.store) - sizeBefore < 16 * 1024)
        #expect(try fixture.snap(["verify", "--all"]).status == 0)
    }

    @Test func aWriteThatRestoresSizeAndMtimeIsStillSeen() throws {
        let fixture = try StoreFixture("same-size-same-mtime")
        try fixture.create()
        let victim = try #require(
            try FileManager.default.contentsOfDirectory(atPath: fixture.mnesia).sorted().first { $0.hasSuffix(".DCD") })
        let path = fixture.mnesia + "/" + victim
        var before = stat()
        try #require(stat(path, &before) == 0)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var times = [before.st_atim, before.st_mtim]
        try #require(utimensat(AT_FDCWD, path, &times, 0) == 0)
        var after = stat()
        try #require(stat(path, &after) == 0)
        try #require(after.st_size == before.st_size && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)

        let again = try fixture.snap([
            "create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--dump", fixture.dump, "-v",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("unchanged on disk"), "\(again.stderr)")
        #expect(try fixture.bundles().count == 2)
        let target = fixture.directory("extracted")
        #expect(try fixture.snap(["extract", "latest", "--to", target]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target + "/mnesia/" + victim)) == Data(bytes))
    }

    /// `--no-verify` and `--verify` override the policy's `verify_after_create`.
    @Test func verifyAfterCreateFollowsTheFlagOverThePolicy() throws {
        let fixture = try StoreFixture("verify-flag")
        let policy = fixture.directory("verifying.yaml")
        try "keep:\n  last: 5\nverify_after_create: true\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let quiet = fixture.directory("quiet.yaml")
        try "keep:\n  last: 5\nverify_after_create: false\n".write(toFile: quiet, atomically: true, encoding: .utf8)
        func verified(_ extra: [String]) throws -> Bool {
            let result = try fixture.snap(
                ["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--json"] + extra)
            #expect(result.status == 0, "\(result.stderr)")
            let latest = try #require(try fixture.list().first)
            return latest["verification"] != nil
        }
        #expect(try verified(["--policy", policy]))
        #expect(try !verified(["--policy", policy, "--no-verify"]))
        #expect(try !verified(["--policy", quiet]))
        #expect(try verified(["--policy", quiet, "--verify"]))
    }

    private func storeBytes(_ root: String) throws -> Int {
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        var total = 0
        for case let name as String in enumerator {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + name)
            if attributes[.type] as? FileAttributeType == .typeRegular { total += (attributes[.size] as? Int) ?? 0 }
        }
        return total
    }
}
