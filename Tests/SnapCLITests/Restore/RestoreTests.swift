import Foundation
import SnapTestSupport
import Testing

/// `snap restore` against stand-in pairs started by each test.
@Suite struct RestoreTests {
    /// A running pair with a store, a snapshot of both managers (alice, photos), and then
    /// later changes (mallory, junk) that a restore must undo.
    static func pairWithSnapshot(_ label: String) throws -> (
        pair: StandinPair, snapshotState: String, changedState: String
    ) {
        let pair = try StandinPair(label)
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        _ = try pair.console(0, "create-user alice", "add-bucket photos 05236")
        let created = try pair.snap(["create", "--all"])
        try #require(created.status == 0, "\(created.stderr)")
        let snapshotState = try pair.console(0, "get-users", "get-buckets")
        _ = try pair.console(0, "create-user mallory", "add-bucket junk 05236", "delete-user alice")
        let changedState = try pair.console(0, "get-users", "get-buckets")
        #expect(changedState != snapshotState)
        return (pair, snapshotState, changedState)
    }

    /// Every file under `paths` with its SHA-256: equal strings, byte-identical trees.
    static func fingerprint(_ paths: [String]) throws -> String {
        let quoted = paths.map { "'\($0)'" }.joined(separator: " ")
        let result = try ProcessRunner.shell("find \(quoted) -type f -print0 | sort -z | xargs -0 sha256sum")
        return result.stdout
    }

    static func ringHash(_ pair: StandinPair, _ index: Int) throws -> String? {
        try pair.console(index, "status").components(separatedBy: "\r\n").first { $0.contains("current ring-hash") }
    }

    @Test func caseOneRestoresBothManagers() throws {
        let (pair, snapshotState, _) = try Self.pairWithSnapshot("restore-copy")
        let result = try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("mode copy"))
        #expect(result.stdout.contains("Stop both the manager-master and the manager-slave"))
        #expect(
            result.stdout.contains(
                "Move mnesia-files which is under work/mnesia/127.0.0.1 to another directory (backup)"))
        #expect(try pair.console(0, "get-users", "get-buckets") == snapshotState)
        #expect(try pair.console(1, "get-users", "get-buckets") == snapshotState)
        let records = try JSONSerialization.jsonObject(
            with: Data(try pair.snap(["show", "latest@manager_0", "--json"]).stdout.utf8))  // not the pre-restore one
        let hashes = ((records as? [String: Any])?["snapshot"] as? [String: Any])?["ring_hashes"] as? [String: Any]
        let expected = try #require(hashes?["current"] as? String)
        #expect(try Self.ringHash(pair, 0)?.contains(expected) == true)
        #expect(try Self.ringHash(pair, 1)?.contains(expected) == true)
        let history = try pair.snap(["history", "--action", "restore", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"ok\""))
    }

    @Test func caseOneRestoresTheMasterFromTheSlavesSnapshot() throws {
        let (pair, _, _) = try Self.pairWithSnapshot("restore-seed")
        // The seed's case: the master is recovered from the slave's files; the slave keeps its own.
        let result = try pair.snap(["restore", "latest@manager_1", "--to", "manager_0", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("rescue/manager_1"))
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.control(1, ["ping"]).status == 0)
        let master = try pair.console(0, "get-users", "get-buckets")
        #expect(master.contains("_test_leofs"))
        #expect(try pair.console(1, "get-users", "get-buckets") == master)
    }

    @Test func copyToANodeOutsideThePairIsRefusedUntouched() throws {
        let (pair, _, _) = try Self.pairWithSnapshot("restore-outside")
        let other = try StandinPair("restore-outsider")
        try other.start()
        try other.stop()
        let yaml = try String(contentsOfFile: other.config, encoding: .utf8)
            .replacingOccurrences(of: "store: \(other.store)", with: "store: \(pair.store)")
        try yaml.write(toFile: other.config, atomically: true, encoding: .utf8)
        let before = try Self.fingerprint([other.directory.path, pair.store])
        let result = try other.snap([
            "restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--mode", "copy", "--yes",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not in the pair"), "\(result.stderr)")
        #expect(result.stderr.contains("--mode load"))
        #expect(try Self.fingerprint([other.directory.path, pair.store]) == before)
    }

    /// A new pair to take over from `pair` (Case 2): its managers still point at the old
    /// pair, as after losing it, and its snap.yaml names the old pair's store.
    static func takeoverPair(_ label: String, from pair: StandinPair) throws -> StandinPair {
        let fresh = try StandinPair(label)
        for index in 0..<2 {
            let conf = fresh.home(index) + "/etc/leo_manager.conf"
            let text = try String(contentsOfFile: conf, encoding: .utf8)
                .replacingOccurrences(
                    of: "manager.partner = \(fresh.names[1 - index])",
                    with: "manager.partner = \(pair.names[1 - index])")
            try text.write(toFile: conf, atomically: true, encoding: .utf8)
        }
        let yaml = try String(contentsOfFile: fresh.config, encoding: .utf8)
            .replacingOccurrences(of: "store: \(fresh.store)", with: "store: \(pair.store)")
        try yaml.write(toFile: fresh.config, atomically: true, encoding: .utf8)
        return fresh
    }

    @Test func caseTwoTakesOverWithNewNodeNames() throws {
        let (pair, snapshotState, _) = try Self.pairWithSnapshot("restore-load")
        let fresh = try Self.takeoverPair("restore-takeover", from: pair)
        try pair.stop()
        let result = try fresh.snap([
            "restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes", "--json",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\"mode\" : \"load\""))
        #expect(try fresh.console(0, "get-users", "get-buckets") == snapshotState)
        #expect(try fresh.console(1, "get-users", "get-buckets") == snapshotState)
        for index in 0..<2 {
            let conf = try String(contentsOfFile: fresh.home(index) + "/etc/leo_manager.conf", encoding: .utf8)
            #expect(conf.contains("manager.partner = \(fresh.names[1 - index])"))
            #expect(conf.contains("## Partner of manager's alias"))  // comments kept
            let backups = try FileManager.default.contentsOfDirectory(atPath: fresh.home(index) + "/etc")
                .filter { $0.hasPrefix("leo_manager.conf.before-restore-") }
            #expect(backups.count == 1)
        }
        let console = try String(contentsOfFile: fresh.home(0) + "/log/console.log", encoding: .utf8)
        #expect(console.contains("update-managers \(fresh.names[0]) \(fresh.names[1])"))
        // Every table the dump carried came back; the fresh schema's own rows (the new
        // managers, the default user) are merged in, as expected, and not warned about.
        #expect(!result.stderr.contains("warning"), "\(result.stderr)")
    }

    /// `sha256  relative/path` lines for every file under `root`.
    static func relativeFingerprint(_ root: String) throws -> String {
        try ProcessRunner.shell("cd '\(root)' && find . -type f -print0 | sort -z | xargs -0 sha256sum").stdout
    }

    @Test func aNodeThatFailsToStartIsRolledBack() throws {
        let (pair, _, changedState) = try Self.pairWithSnapshot("restore-rollback")
        try pair.stop()
        // What the managers hold when the restore begins (they are stopped, so it holds still).
        let files = try [0, 1].map { try Self.relativeFingerprint(pair.mnesia($0)) }
        let confs = try Self.fingerprint([pair.home(0) + "/etc", pair.home(1) + "/etc"])
        // manager_1's control script fails its next `start` once.
        try pair.wrapControl(
            1,
            before: """
                if [ "$1" = start ] && [ -e "\(pair.directory("fail-start"))" ]; then
                    rm -f "\(pair.directory("fail-start"))"; echo "injected start failure"; exit 3
                fi
                """)
        FileManager.default.createFile(atPath: pair.directory("fail-start"), contents: nil)
        let result = try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 5, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("rolled back"))
        #expect(result.stderr.contains("injected start failure"))
        // The pair runs again on its previous data, with its previous conf files.
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.control(1, ["ping"]).status == 0)
        #expect(try pair.console(0, "get-users", "get-buckets") == changedState)
        #expect(try Self.fingerprint([pair.home(0) + "/etc", pair.home(1) + "/etc"]) == confs)
        // What was moved aside and recorded is byte for byte what the managers held.
        // latest never names a pre-restore snapshot: they are found by their tag.
        let listed = try pair.snap(["list", "--tag", "pre-restore", "--json"])
        let preRestore = try #require(
            try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        for (index, node) in ["manager_0", "manager_1"].enumerated() {
            let out = pair.directory("pre-restore-\(index)")
            let id = try #require(preRestore.first { $0["node"] as? String == node }?["id"] as? String)
            #expect(try pair.snap(["extract", id, "--to", out]).status == 0)
            #expect(try Self.relativeFingerprint(out + "/mnesia") == files[index])
        }
        let history = try pair.snap(["history", "--action", "restore", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"failed\""))
    }

    @Test func dryRunChangesNothing() throws {
        let (pair, _, _) = try Self.pairWithSnapshot("restore-dry")
        try pair.stop()
        let before = try Self.fingerprint([pair.directory.path])
        let result = try pair.snap(["restore", "latest", "--to", "manager_0", "--to", "manager_1", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("dry run: nothing was changed"))
        #expect(try Self.fingerprint([pair.directory.path]) == before)
        let noConfirmation = try pair.snap(["restore", "latest", "--to", "manager_0", "--to", "manager_1"])
        #expect(noConfirmation.status == 2)
        #expect(noConfirmation.stderr.contains("--yes"))
        #expect(try Self.fingerprint([pair.directory.path]) == before)
    }

    @Test func thePreRestoreSnapshotUndoesARestore() throws {
        let (pair, snapshotState, changedState) = try Self.pairWithSnapshot("restore-undo")
        #expect(
            try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"]).status
                == 0)
        #expect(try pair.console(0, "get-users", "get-buckets") == snapshotState)
        let list = try pair.snap(["list", "--tag", "pre-restore", "--json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 2)
        let undo = try #require(records.first { $0["node"] as? String == "manager_0" }?["id"] as? String)
        // A completed restore has nothing to roll back: the error names the way back.
        let id = try #require(try FileManager.default.contentsOfDirectory(atPath: pair.store + "/restores").first)
        let rollback = try pair.snap(["restore", "--rollback", id])
        #expect(rollback.status == 1)
        #expect(rollback.stderr.contains("nothing to roll back"), "\(rollback.stderr)")
        #expect(rollback.stderr.contains("snap restore \(undo) --to manager_0"))
        let resume = try pair.snap(["restore", "--resume", id])
        #expect(resume.status == 0)
        #expect(resume.stdout.contains("already completed; nothing to do"))
        let result = try pair.snap(["restore", undo, "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try pair.console(0, "get-users", "get-buckets") == changedState)
    }
}
