import Foundation
import SnapTestSupport
import Testing

@Suite struct CreateListShowTests {
    @Test func initTakesAStorePathRelativeToTheCurrentDirectory() throws {
        let directory = TemporaryDirectory("init-relative")
        let result = try SnapBinary.run(["init", "--store", "st"], directory: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory("st/store.json")))
    }

    @Test func initMakesAPrivateStore() throws {
        let fixture = try StoreFixture("init")
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.store)
        #expect(attributes[.posixPermissions] as? Int == 0o700)
        let info = try FileManager.default.attributesOfItem(atPath: fixture.store + "/store.json")
        #expect(info[.posixPermissions] as? Int == 0o600)
        let again = try fixture.snap(["init"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        let nested = try SnapBinary.run(["init", "--store", fixture.directory("new/parents/store")])
        #expect(nested.status == 0, "\(nested.stderr)")
        #expect(FileManager.default.fileExists(atPath: fixture.directory("new/parents/store/store.json")))
    }

    @Test func createListShowWithTheContractsKeys() throws {
        let fixture = try StoreFixture("create")
        let id = try fixture.create(extra: ["--tag", "nightly", "--note", "before upgrade"])
        let records = try fixture.list()
        #expect(records.count == 1)
        let record = try #require(records.first)
        for key in ["id", "version", "node", "created", "mode", "bundle_sha256", "bundle_size", "tree_digest", "tags"] {
            #expect(record[key] != nil, "missing \(key)")
        }
        #expect(record["id"] as? String == id)
        #expect(record["version"] as? Int == 1)
        #expect(record["tags"] as? [String] == ["nightly"])
        #expect((record["created"] as? String)?.hasSuffix("Z") == true)
        let bundleFile = try fixture.bundlePath(of: id)
        let perms = try FileManager.default.attributesOfItem(atPath: bundleFile)[.posixPermissions] as? Int
        #expect(perms == 0o600)

        let table = try SnapBinary.run(["--store", fixture.store, "list"])
        #expect(table.status == 0)
        #expect(table.stdout.contains(id) && table.stdout.contains("manager_0") && table.stdout.contains("nightly"))

        let show = try fixture.snap(["show", String(id.prefix(6)), "--files"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("before upgrade"))
        #expect(show.stdout.contains("mnesia/schema.DAT"))
        #expect(show.stdout.contains("dump/mnesia.dump"))
    }

    @Test func sameTreeTwiceIsOneBundleAndTwoRecords() throws {
        let fixture = try StoreFixture("dedup")
        let first = try fixture.create()
        let second = try fixture.create()
        #expect(first != second)
        #expect(try fixture.bundles().count == 1)
        let records = try fixture.list()
        #expect(records.count == 2)
        #expect(records.map { $0["version"] as? Int } == [2, 1])
        #expect(records.first?["deduplicated"] as? Bool == true)
        #expect(records.last?["deduplicated"] as? Bool == false)
        #expect(records.first?["bundle_sha256"] as? String == records.last?["bundle_sha256"] as? String)
    }

    @Test func refsOnTheCommandLine() throws {
        let fixture = try StoreFixture("refs")
        let first = try fixture.create(node: "manager_0")
        let second = try fixture.create(node: "manager_1")
        for (ref, id) in [("latest", second), ("latest~1", first), ("latest@manager_0", first), ("v2", second)] {
            let shown = try fixture.snap(["show", ref, "--json"])
            #expect(shown.status == 0)
            #expect(shown.stdout.contains("\"id\" : \"\(id)\""), "\(ref)")
        }
        let unknown = try fixture.snap(["show", "latest@manager_9"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no snapshot matches latest@manager_9"))
        let malformed = try fixture.snap(["show", "abc"])
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("at least 6"))
    }

    @Test func diffShowsChangedFiles() throws {
        let fixture = try StoreFixture("diff")
        let first = try fixture.create()
        try Data("changed".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        try Data("new".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/extra.DCL"))
        let second = try fixture.create()
        let diff = try fixture.snap(["diff", first, second])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("+ mnesia/extra.DCL"))
        #expect(diff.stdout.contains("~ mnesia/LATEST.LOG"))
        let json = try fixture.snap(["diff", first, second, "--json"])
        #expect(json.stdout.contains("\"added\""))
    }

    @Test func extractRoundTripsAndRefusesNonEmptyTargets() throws {
        let fixture = try StoreFixture("extract")
        try fixture.create()
        let target = fixture.directory("out")
        let extract = try fixture.snap(["extract", "latest", "--to", target])
        #expect(extract.status == 0, "\(extract.stderr)")
        #expect(try ProcessRunner.run("/usr/bin/diff", ["-r", fixture.mnesia, target + "/mnesia"]).status == 0)
        #expect(try ProcessRunner.shell("sha256sum -c SHA256SUMS", directory: target).status == 0)
        let again = try fixture.snap(["extract", "latest", "--to", target])
        #expect(again.status == 1)
        #expect(again.stderr.contains("not empty"))
    }

    @Test func historyRecordsEveryChange() throws {
        let fixture = try StoreFixture("history")
        let id = try fixture.create()
        try fixture.snap(["verify", "--all"])
        let history = try fixture.snap(["history", "--json"])
        #expect(history.status == 0)
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["action"] as? String } == ["init", "create", "verify"])
        #expect((entries[1]["snapshots"] as? [String]) == [id])
        for key in ["seq", "time", "user", "host", "pid", "argv", "outcome", "duration_ms", "prev_hash", "hash"] {
            #expect(entries[1][key] != nil, "missing \(key)")
        }
        let filtered = try fixture.snap(["history", "--action", "create"])
        #expect(filtered.stdout.contains("create") && !filtered.stdout.contains("verify"))
        let audit = try fixture.snap(["audit", "verify"])
        #expect(audit.status == 0)
        #expect(audit.stdout.contains("3 entries"))
    }
}
