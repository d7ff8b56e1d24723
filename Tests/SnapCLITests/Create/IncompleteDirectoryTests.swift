import Foundation
import SnapTestSupport
import Testing

/// `create --from-dir` of a directory that is no Mnesia directory (issue 13, finding 3): refused
/// naming the node, the directory and what is missing, unless `--allow-incomplete` says so.
@Suite struct IncompleteDirectoryTests {
    @Test(arguments: [
        ([String](), "schema.DAT and table files"),
        (["schema.DAT"], "no table files"),
        (["schema.DAT", "LATEST.LOG", "DECISION_TAB.LOG"], "no table files"),
        (["leo_s3_users.DCD", "leo_s3_users.DCL"], "no schema.DAT,"),
    ])
    func aDirectoryWithoutSchemaOrTablesIsRefusedUnlessAllowed(files: [String], missing: String) throws {
        let fixture = try StoreFixture("incomplete-dir", rows: 1)
        let directory = fixture.directory("copied-elsewhere")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in files { try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/" + name)) }

        let refused = try fixture.snap(["create", "--from-dir", directory, "--node", "manager_0"])
        #expect(refused.status == 1, "\(refused.stdout)")
        let lines = refused.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(refused.stderr)")
        #expect(refused.stderr.hasPrefix("snap: error: manager_0: \(directory) has no "), "\(refused.stderr)")
        #expect(refused.stderr.contains(missing) && refused.stderr.contains("--allow-incomplete"))
        #expect(try fixture.list().isEmpty)
        #expect(try fixture.bundles().isEmpty)

        let allowed = try fixture.snap([
            "create", "--from-dir", directory, "--node", "manager_0", "--allow-incomplete", "--json",
        ])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let records = try fixture.list()
        #expect(records.count == 1 && records.first?["file_count"] as? Int == files.count)
    }

    @Test func aRealMnesiaDirectoryNeedsNoFlag() throws {
        let fixture = try StoreFixture("complete-dir", rows: 1)
        let result = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_0"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
