import Foundation
import SnapTestSupport
import Testing

@Suite struct VerifyTests {
    enum Damage: String, CaseIterable, Sendable {
        case flipByte, truncate, delete
    }

    func damage(_ path: String, _ kind: Damage) throws {
        switch kind {
        case .flipByte:
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            let size = handle.seekToEndOfFile()
            handle.seek(toFileOffset: size / 2)
            let byte = handle.readData(ofLength: 1)
            handle.seek(toFileOffset: size / 2)
            handle.write(Data([byte[byte.startIndex] ^ 0x40]))
            try handle.close()
        case .truncate:
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            let size = handle.seekToEndOfFile()
            handle.truncateFile(atOffset: size / 3)
            try handle.close()
        case .delete:
            try FileManager.default.removeItem(atPath: path)
        }
    }

    @Test(arguments: Damage.allCases)
    func damagedBundleIsReportedWithExit4(kind: Damage) throws {
        let fixture = try StoreFixture("verify-\(kind.rawValue)")
        let good = try fixture.create(node: "manager_1")
        try Data("other content".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        let bad = try fixture.create(node: "manager_0")
        try damage(try fixture.bundlePath(of: bad), kind)

        let result = try fixture.snap(["verify", "--all"])
        #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains(bad))
        #expect(!result.stderr.contains(good))
        let expected: String =
            switch kind {
            case .delete: "missing"
            case .flipByte, .truncate: "bundle hash mismatch"
            }
        #expect(result.stdout.contains(expected), "\(result.stdout)")

        let json = try fixture.snap(["verify", "--all", "--json"])
        #expect(json.status == 4)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["checked"] as? Int == 2)
        #expect(report["ok"] as? Int == 1)
        let failed = try #require(report["failed"] as? [[String: Any]])
        #expect(failed.map { $0["id"] as? String } == [bad])

        // The verdict is kept in the records, and the good snapshot still extracts.
        let records = try fixture.list()
        let verdicts = Dictionary(
            uniqueKeysWithValues: records.map {
                ($0["id"] as? String ?? "", ($0["verification"] as? [String: Any])?["ok"] as? Bool)
            })
        #expect(verdicts[bad] == false)
        #expect(verdicts[good] == true)
        #expect(try fixture.snap(["verify", good]).status == 0)
        #expect(try fixture.snap(["extract", good, "--to", fixture.directory("out")]).status == 0)
    }

    @Test func aChangedFileInsideAValidArchiveIsNamed() throws {
        let fixture = try StoreFixture("verify-member")
        let id = try fixture.create()
        // Rebuild the bundle with one Mnesia file altered, then give it the record's name:
        // the bundle hash is then wrong too, but the per-file check must name the file.
        let bundle = try fixture.bundlePath(of: id)
        let work = fixture.directory("rebuild")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        #expect(try ProcessRunner.shell("tar --zstd -xf '\(bundle)' -C '\(work)'").status == 0)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: work + "/mnesia/LATEST.LOG"))
        let repack = try ProcessRunner.shell(
            "tar --zstd -cf '\(bundle)' -C '\(work)' mnesia dump MANIFEST.json SHA256SUMS")
        #expect(repack.status == 0, "\(repack.stderr)")
        let result = try fixture.snap(["verify", id])
        #expect(result.status == 4)
        #expect(result.stdout.contains("mnesia/LATEST.LOG"), "\(result.stdout)")
    }

    @Test func verifyNeedsRefsOrAll() throws {
        let fixture = try StoreFixture("verify-usage")
        let result = try fixture.snap(["verify"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--all"))
    }
}
