import Foundation
import Glibc
import SnapTestSupport
import Testing

/// Restores in the places operators run them: managers that run as their own user with
/// the store on another file system, a lost Mnesia directory, a wrong console port, one
/// manager restored from its partner.
@Suite struct RestoreEnvironmentTests {
    /// Every file and directory under `path` with its owner, `uid:gid path` lines.
    static func owners(_ path: String) throws -> Set<String> {
        Set(
            try ProcessRunner.shell("find '\(path)' -printf '%U:%G %p\\n'").stdout.split(separator: "\n").map(
                String.init))
    }

    static func setStore(_ pair: StandinPair, to store: String) throws {
        let yaml = try String(contentsOfFile: pair.config, encoding: .utf8)
            .replacingOccurrences(of: "store: \(pair.store)", with: "store: \(store)")
        try yaml.write(toFile: pair.config, atomically: true, encoding: .utf8)
    }

    /// Finding 5: the rescue across file systems made root's files of the manager's; the
    /// rollback put them back so, and a manager running as its own user could not start.
    @Test func ownersSurviveAStoreOnAnotherFileSystem() throws {
        let pair = try StandinPair("own-fs")
        let nobody = "65534:65534"
        for index in 0..<2 {
            #expect(try ProcessRunner.run("/bin/chown", ["-R", "nobody:nogroup", pair.home(index)]).status == 0)
        }
        let disk = try SmallFileSystem("own-fs-store", kilobytes: 256 * 1024)
        try Self.setStore(pair, to: disk.path + "/store")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        #expect(try Self.owners(pair.mnesia(0)).allSatisfy { $0.hasPrefix(nobody) })
        _ = try pair.console(0, "create-user alice", "add-bucket photos 05236")
        #expect(try pair.snap(["create", "--all"]).status == 0)
        let snapshotState = try pair.console(0, "get-users", "get-buckets")
        _ = try pair.console(0, "create-user mallory", "delete-user alice")
        let changedState = try pair.console(0, "get-users", "get-buckets")

        // A restore whose last step fails is rolled back: the previous files go back
        // across the file systems, and the managers, running as nobody, start on them.
        let result = try pair.snap(
            ["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"],
            environment: ["SNAP_DEBUG_KILL_AT_STEP": "17"])
        #expect(result.signal == SIGKILL || result.status == 9, "\(result.stdout)\(result.stderr)")
        let id = try RestoreCrashTests.unfinishedRestore(store: disk.path + "/store")
        let rollback = try pair.snap(["restore", "--rollback", id])
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try pair.console(0, "get-users", "get-buckets") == changedState)
        for index in 0..<2 {
            let owners = try Self.owners(pair.mnesia(index))
            #expect(owners.allSatisfy { $0.hasPrefix(nobody) }, "\(owners.filter { !$0.hasPrefix(nobody) })")
        }
        // And forward: the snapshot's files come back as the manager's own.
        let restored = try pair.snap(["restore", "v1", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(try pair.console(0, "get-users", "get-buckets") == snapshotState)
        for index in 0..<2 {
            #expect(try Self.owners(pair.mnesia(index)).allSatisfy { $0.hasPrefix(nobody) })
        }
        try pair.stop()
    }

    /// Finding 6: with manager_0's Mnesia directory gone (what Case 1 exists for), the
    /// restore failed at its rescue and every way out was closed.
    @Test func aMissingMnesiaDirectoryIsAnOrdinaryCaseOne() throws {
        let (pair, snapshotState, _) = try RestoreTests.pairWithSnapshot("missing-dir")
        try pair.stop()
        try FileManager.default.removeItem(atPath: pair.mnesia(0))
        let dry = try pair.snap(["restore", "latest@manager_1", "--to", "manager_0", "--to", "manager_1", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("\(pair.mnesia(0)) is missing; the restore creates it"), "\(dry.stdout)")
        let result = try pair.snap(["restore", "latest@manager_1", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try pair.console(0, "get-users", "get-buckets") == snapshotState)
        #expect(try pair.console(1, "get-users", "get-buckets") == snapshotState)
        let parent = try FileManager.default.attributesOfItem(atPath: pair.home(0) + "/work/mnesia")
        let made = try FileManager.default.attributesOfItem(atPath: pair.mnesia(0))
        #expect(made[.ownerAccountID] as? Int == parent[.ownerAccountID] as? Int)
        #expect(made[.posixPermissions] as? Int == parent[.posixPermissions] as? Int)
        // Only manager_1 had files to keep.
        let preRestore = try pair.snap(["list", "--tag", "pre-restore", "--json"])
        let records = try JSONSerialization.jsonObject(with: Data(preRestore.stdout.utf8)) as? [[String: Any]]
        #expect(records?.map { $0["node"] as? String } == ["manager_1"])
    }

    /// A missing directory rolled back is missing again. manager_0 cannot start at all
    /// here, so the rollback ends failed with the files it put back left to look at.
    @Test func aRollbackPutsAMissingDirectoryBackToMissing() throws {
        let (pair, _, _) = try RestoreTests.pairWithSnapshot("missing-rollback")
        try pair.stop()
        let previous = try RestoreTests.relativeFingerprint(pair.mnesia(1))
        try FileManager.default.removeItem(atPath: pair.mnesia(0))
        try pair.wrapControl(0, before: "if [ \"$1\" = start ]; then echo 'injected start failure'; exit 3; fi")
        let result = try pair.snap(["restore", "latest@manager_1", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("so did its rollback"))
        #expect(result.stderr.contains("manager_0 had no Mnesia files before the restore"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pair.mnesia(0)))
        #expect(!FileManager.default.fileExists(atPath: pair.mnesia(0) + ".snap-staging"))
        _ = try pair.control(1, ["stop"])
        #expect(try RestoreTests.relativeFingerprint(pair.mnesia(1)) == previous)
    }

    /// A wrong console port used to be found at the restore's last step, after both
    /// managers were stopped and their files moved; now the preflight refuses.
    @Test func aConsoleThatDoesNotAnswerIsRefusedBeforeAnythingStops() throws {
        let (pair, _, changedState) = try RestoreTests.pairWithSnapshot("console-probe")
        let yaml = try String(contentsOfFile: pair.config, encoding: .utf8)
            .replacingOccurrences(
                of: "home: \(pair.home(0))", with: "home: \(pair.home(0))\n    console_port: \(pair.basePort + 11)")
        try yaml.write(toFile: pair.config, atomically: true, encoding: .utf8)
        let before = try RestoreTests.fingerprint([pair.store + "/snapshots"])
        let result = try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the console of manager_0 at 127.0.0.1:\(pair.basePort + 11) does not answer"))
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.console(0, "get-users", "get-buckets") == changedState)
        #expect(try RestoreTests.fingerprint([pair.store + "/snapshots"]) == before)
    }

    /// Restoring one manager of a running pair gives it its partner's data; the plan says so.
    @Test func aSingleManagerCopyRestoreSaysItResyncsFromItsPartner() throws {
        let (pair, _, _) = try RestoreTests.pairWithSnapshot("single-note")
        let dry = try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("manager_1 keeps its own"), "\(dry.stdout)")
        #expect(dry.stdout.contains("--to manager_0 --to manager_1"))
    }

    /// A snapshot without a Mnesia schema (made on purpose with --allow-incomplete) is never
    /// copied over a manager's files.
    @Test func aSnapshotWithoutASchemaIsNotCopiedBack() throws {
        let (pair, _, changedState) = try RestoreTests.pairWithSnapshot("no-schema")
        try pair.stop()
        let saved = pair.directory("saved-mnesia")
        try FileManager.default.moveItem(atPath: pair.mnesia(0), toPath: saved)
        try FileManager.default.createDirectory(atPath: pair.mnesia(0), withIntermediateDirectories: false)
        let created = try pair.snap(["create", "--node", "manager_0", "--allow-incomplete", "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]]
        let empty = try #require(records?.first?["id"] as? String)
        try FileManager.default.removeItem(atPath: pair.mnesia(0))
        try FileManager.default.moveItem(atPath: saved, toPath: pair.mnesia(0))
        let before = try RestoreTests.fingerprint([pair.mnesia(0), pair.mnesia(1)])
        let result = try pair.snap(["restore", empty, "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("holds no Mnesia schema"), "\(result.stderr)")
        #expect(try RestoreTests.fingerprint([pair.mnesia(0), pair.mnesia(1)]) == before)
        try pair.start()
        #expect(try pair.console(0, "get-users", "get-buckets") == changedState)
    }
}
