import Foundation
import SnapKit
import SnapTestSupport
import Testing

@Suite struct BadInputTests {
    let directory = TemporaryDirectory("bad-input")

    @Test func missingExplicitConfig() throws {
        let result = try SnapBinary.run(["list", "--config", directory("nope.yaml")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nope.yaml does not exist"))
    }

    @Test func malformedConfigNamesTheLine() throws {
        try "store: /x\nmanagers: [\n".write(toFile: directory("snap.yaml"), atomically: true, encoding: .utf8)
        let result = try SnapBinary.run(["list"], directory: directory.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("snap.yaml"), "\(result.stderr)")
        #expect(result.stderr.contains("not valid YAML"))
    }

    @Test func configFromEnvironmentIsUsed() throws {
        try "store: \(directory("envstore"))\n".write(toFile: directory("env.yaml"), atomically: true, encoding: .utf8)
        let initialized = try SnapBinary.run(["init"], environment: ["SNAP_CONFIG": directory("env.yaml")])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory("envstore/store.json")))
    }

    @Test func noStoreConfigured() throws {
        let result = try SnapBinary.run(["list"], directory: directory.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("--store"))
    }

    @Test func missingStore() throws {
        let result = try SnapBinary.run(["list", "--store", directory("absent")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a snap store"))
        #expect(result.stderr.contains("snap init"))
    }

    @Test(arguments: [
        (
            "{\"format_version\": 2, \"store_id\": \"x\", \"created\": \"2026-01-01T00:00:00Z\", \"last_version\": 0}",
            "format version 2"
        ),
        ("not json at all", "damaged"),
        ("{\"store_id\": \"x\"}", "format_version is missing"),
    ])
    func badStoreJSON(content: String, message: String) throws {
        let store = directory("store-\(abs(content.hashValue))")
        #expect(try SnapBinary.run(["init", "--store", store]).status == 0)
        try content.write(toFile: store + "/store.json", atomically: true, encoding: .utf8)
        let result = try SnapBinary.run(["list", "--store", store])
        #expect(result.status == 1)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("store.json"))
    }

    @Test func damagedRecordIsReportedAndOthersStillList() throws {
        let fixture = try StoreFixture("bad-record")
        let good = try fixture.create()
        try "{ broken".write(
            toFile: fixture.store + "/snapshots/0123456789abcdef.json", atomically: true, encoding: .utf8)
        let list = try fixture.snap(["list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains(good))
        #expect(list.stderr.contains("0123456789abcdef.json is damaged"))
        let verify = try fixture.snap(["verify", "--all"])
        #expect(verify.status == 4)
        #expect(verify.stdout.contains("0123456789abcdef.json"))
    }

    /// A record is sealed: a change that leaves valid JSON (another host, another time, a
    /// bundle hash pointing elsewhere) is damage, not a new truth.
    @Test(arguments: ["\"host\" : \"", "\"created\" : \"2", "\"bundle_sha256\" : \""])
    func anEditInsideAValueBreaksTheSeal(field: String) throws {
        let fixture = try StoreFixture("sealed-record")
        let first = try fixture.create()
        try Data("changed".utf8).write(to: URL(fileURLWithPath: fixture.mnesia + "/LATEST.LOG"))
        let second = try fixture.create()
        let path = fixture.store + "/snapshots/\(first).json"
        var bytes = try FileOps.readFile(path)
        let text = String(decoding: bytes, as: UTF8.self)
        let at = try #require(text.range(of: field)).upperBound
        let offset = text.utf8.distance(from: text.startIndex, to: at)
        bytes[offset] = bytes[offset] == UInt8(ascii: "1") ? UInt8(ascii: "3") : UInt8(ascii: "1")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try JSONSerialization.jsonObject(with: Data(bytes)) is [String: Any])
        let list = try fixture.snap(["list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains(second) && !list.stdout.contains(first))
        #expect(list.stderr.contains("\(first).json is damaged: its seal does not match its content"), "\(list.stderr)")
        let verify = try fixture.snap(["verify", "--all"])
        #expect(verify.status == 4)
        #expect(verify.stdout.contains("\(first).json"))
    }

    @Test(arguments: [
        (["create", "--all", "--node", "m0"], "not both"),
        (["create", "--dump", "/x"], "--dump goes with --from-dir"),
        (["create", "--mode", "warm"], "warm"),
        (["create", "--from-dir", "/x"], "--node"),
        (["frobnicate"], "Unexpected argument"),
        (["verify", "v1", "--all"], "only one of them"),
        (["verify", "--all", "--latest"], "only one of them"),
        (["verify"], "name snapshots to verify, or pass --all or --latest"),
        (["verify", "--remote", "r", "--load"], "--remote verifies the whole remote"),
        (["list", "--quiet", "--verbose"], "cannot be used together"),
    ])
    func usageErrorsExit2(arguments: [String], message: String) throws {
        try expectUsageError(arguments, naming: message)
    }

    @Test func liveCaptureNeedsConfiguredManagers() throws {
        let fixture = try StoreFixture("no-managers")
        let none = try fixture.snap(["create"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no managers configured"))
        try
            "store: store\nmanagers:\n  - name: manager_0\n    home: \(fixture.directory("absent"))\n    timeout: soon\n"
            .write(toFile: fixture.directory("snap.yaml"), atomically: true, encoding: .utf8)
        let unknown = try SnapBinary.run(["create", "--node", "manager_9"], directory: fixture.directory.path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no manager named manager_9"))
        #expect(unknown.stderr.contains("manager_0"))
        let missingHome = try SnapBinary.run(["create"], directory: fixture.directory.path)
        #expect(missingHome.status == 1)
        #expect(missingHome.stderr.contains("absent/etc/leo_manager.conf does not exist"), "\(missingHome.stderr)")
    }

    @Test func badManagerSettingsAreNamed() throws {
        let fixture = try StoreFixture("bad-setting")
        let home = fixture.directory("leo_manager_0")
        try FileManager.default.createDirectory(atPath: home + "/etc", withIntermediateDirectories: true)
        try "nodename = x@127.0.0.1\nconsole.port.cui = 99999\n".write(
            toFile: home + "/etc/leo_manager.conf", atomically: true, encoding: .utf8)
        try "store: store\nmanagers:\n  - name: manager_0\n    home: \(home)\n"
            .write(toFile: fixture.directory("snap.yaml"), atomically: true, encoding: .utf8)
        let result = try SnapBinary.run(["create"], directory: fixture.directory.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("console.port.cui = \"99999\" is not a TCP port"), "\(result.stderr)")
    }

    @Test func badCompressionLevelIsExplained() throws {
        let fixture = try StoreFixture("bad-level")
        let result = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "m0", "--level", "40"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("zstd accepts"))
    }

    @Test func missingSourceDirectory() throws {
        let fixture = try StoreFixture("bad-source")
        let result = try fixture.snap(["create", "--from-dir", fixture.directory("nope"), "--node", "m0"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nope"))
        #expect(try fixture.bundles().isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.store + "/bundles")
        #expect(leftovers.isEmpty)
    }

    @Test func helpExitsZero() throws {
        let result = try SnapBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE"))
    }
}

@Suite struct PermissionTests {
    @Test func aStoreOthersCanWriteIsRefusedWithTheFix() throws {
        let fixture = try StoreFixture("perm-store")
        chmod(fixture.store, 0o777)
        let result = try fixture.snap(["list"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("writable by group or others"), "\(result.stderr)")
        #expect(result.stderr.contains("chmod go-w \(fixture.store)"))
        chmod(fixture.store, 0o700)
        #expect(try fixture.snap(["list"]).status == 0)
    }

    @Test func aConfigOthersCanWriteIsRefused() throws {
        let directory = TemporaryDirectory("perm-config")
        try "store: store\n".write(toFile: directory("snap.yaml"), atomically: true, encoding: .utf8)
        chmod(directory("snap.yaml"), 0o666)
        let result = try SnapBinary.run(["list", "--config", directory("snap.yaml")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("refusing config"), "\(result.stderr)")
    }

    @Test func aStoreOfAnotherUserIsRefused() throws {
        let fixture = try StoreFixture("perm-owner")
        chown(fixture.store, 4321, 4321)
        let result = try fixture.snap(["list"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("owned by uid 4321"), "\(result.stderr)")
    }
}

@Suite struct RestoreInputTests {
    @Test(arguments: [
        (["restore", "latest"], "--to NAME"),
        (["restore", "--to", "manager_0"], "name the snapshot"),
        (["restore", "latest", "--to", "manager_0", "--resume", "abc"], "only the restore id"),
        (["restore", "--resume", "a", "--rollback", "b"], "not both"),
        (["restore", "latest", "--to", "m", "--to", "m"], "only once"),
    ])
    func usageErrorsExit2(arguments: [String], message: String) throws {
        try expectUsageError(arguments, naming: message)
    }

    @Test func unknownRestoreAndUnknownManagerAreNamed() throws {
        let fixture = try StoreFixture("restore-input")
        try fixture.create()
        try "store: store\nmanagers:\n  - name: manager_0\n    home: \(fixture.directory("absent"))\n"
            .write(toFile: fixture.directory("snap.yaml"), atomically: true, encoding: .utf8)
        let resume = try SnapBinary.run(["restore", "--resume", "feedbeef"], directory: fixture.directory.path)
        #expect(resume.status == 1)
        #expect(resume.stderr.contains("no restore feedbeef"), "\(resume.stderr)")
        for id in ["abcd1111aaaa", "abcd2222bbbb"] {
            try FileManager.default.createDirectory(
                atPath: fixture.store + "/restores/\(id)", withIntermediateDirectories: true)
        }
        let ambiguous = try SnapBinary.run(["restore", "--rollback", "abcd"], directory: fixture.directory.path)
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("abcd1111aaaa, abcd2222bbbb"), "\(ambiguous.stderr)")
        let unknown = try SnapBinary.run(
            ["restore", "latest", "--to", "manager_9", "--dry-run"], directory: fixture.directory.path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("absent/etc/leo_manager.conf does not exist"), "\(unknown.stderr)")
    }
}

/// `snap ARGUMENTS` exits 2 with `message` on stderr.
private func expectUsageError(_ arguments: [String], naming message: String) throws {
    let result = try SnapBinary.run(arguments)
    #expect(result.status == 2)
    #expect(result.stderr.contains(message), "\(result.stderr)")
}
