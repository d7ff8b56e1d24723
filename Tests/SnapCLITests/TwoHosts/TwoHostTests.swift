import Foundation
import SnapTestSupport
import Testing

/// snap on a backup host driving a manager pair on two hosts over SSH (`TwoHostTestbed`: an
/// sshd per host on 127.0.0.2 and 127.0.0.3, each manager owned by its own user, snap run
/// by a third user whose only way to the managers' files is ssh).
@Suite struct TwoHostTests {
    /// A started test bed with an initialized store and one user and bucket on the pair.
    static func started(_ label: String, forcedCommand: Bool = false) throws -> TwoHostTestbed {
        let bed = try TwoHostTestbed(label, forcedCommand: forcedCommand)
        try bed.start()
        let initialized = try bed.snap(["init"])
        try #require(initialized.status == 0, "\(initialized.stderr)")
        _ = try bed.console(0, "create-user alice", "add-bucket photos 05236")
        return bed
    }

    /// The users and buckets manager `index` serves.
    static func state(_ bed: TwoHostTestbed, _ index: Int = 0) throws -> String {
        try bed.console(index, "get-users", "get-buckets")
    }

    /// `snap list --json` of the backup host's store.
    static func records(_ bed: TwoHostTestbed, _ arguments: [String] = []) throws -> [[String: Any]] {
        let listed = try bed.snap(["list", "--json"] + arguments)
        return try #require(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    }

    /// Leftovers of snap on the manager hosts: dump and bundle directories, staging, rescues.
    static func leftovers(_ bed: TwoHostTestbed) throws -> [String] {
        try (0..<2).flatMap { index in
            let work = bed.home(index) + "/work"
            let mnesia = work + "/mnesia"
            // The agent's lock file stays, as the store's does.
            return try FileManager.default.contentsOfDirectory(atPath: work).filter {
                $0.hasPrefix(".snap-") && $0 != ".snap-agent.lock"
            }
                + FileManager.default.contentsOfDirectory(atPath: mnesia).filter { $0.contains(".snap-") }
        }
    }

    @Test func createAllCapturesBothHostsInEveryMode() throws {
        let bed = try Self.started("two-create")
        let hostname = ProcessInfo.processInfo.hostName
        let environment = try TwoHostFaultTests.sshTemporary(bed)
        let tmp = try #require(environment["TMPDIR"])
        for mode in ["auto", "files", "dump", "cold"] {
            let created = try bed.snap(["create", "--all", "--mode", mode], environment: environment)
            #expect(created.status == 0, "\(mode): \(created.stderr)")
            let newest = try Self.records(bed).prefix(2)
            #expect(Set(newest.compactMap { $0["node"] as? String }) == ["manager_0", "manager_1"])
            for record in newest {
                let expected = record["node"] as? String == "manager_0" ? bed.address(0) : bed.address(1)
                #expect(record["host"] as? String == expected, "\(mode): \(record)")
                #expect(record["coordinator"] as? String == hostname, "\(record)")
            }
            #expect(try bed.control(0, ["ping"]).stdout.contains("pong"), "\(mode)")
            #expect(try bed.control(1, ["ping"]).stdout.contains("pong"), "\(mode)")
        }
        // One connection per host per run, gone with the run: no master left, no socket directory.
        let ssh = try ProcessRunner.run("/usr/bin/pgrep", ["-u", TwoHostTestbed.backupUser, "-a", "-x", "ssh"])
        #expect(!ssh.stdout.contains(tmp), "\(ssh.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty)
        let verified = try bed.snap(["verify", "--all"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        // Proven on the backup host, as the backup user, with its own erl: every mode's
        // captures of both hosts load, nodes named for the hosts' addresses included.
        let loaded = try bed.snap(["verify", "--load", "--all"])
        #expect(loaded.status == 0, "\(loaded.stdout)\(loaded.stderr)")
        #expect(loaded.stdout.contains("rehearsed 8: 8 loaded"), "\(loaded.stdout)")
        // The dump and the bundles were made on the hosts and are gone from them.
        #expect(try Self.leftovers(bed).isEmpty)
        let show = try bed.snap(["show", "latest@manager_0", "--json"])
        #expect(show.stdout.contains("\"coordinator\""))
    }

    @Test func caseOneRestoresTheMasterFromTheSlavesSnapshotAcrossHosts() throws {
        let bed = try Self.started("two-seed")
        #expect(try bed.snap(["create", "--all"]).status == 0)
        _ = try bed.console(0, "create-user mallory")
        let started = Date()
        let restored = try bed.snap(["restore", "latest@manager_1", "--to", "manager_0", "--yes"])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        print("two hosts: Case 1 (master from the slave's snapshot) took \(Date().timeIntervalSince(started)) s")
        #expect(try bed.control(0, ["ping"]).stdout.contains("pong"))
        let master = try Self.state(bed, 0)
        #expect(master.contains("alice"))
        #expect(try Self.state(bed, 1) == master)
        // The rescue was on host A, beside its Mnesia directory, and is released.
        #expect(restored.stdout.contains(bed.home(0) + "/work/mnesia/.snap-rescue-"))
        #expect(try Self.leftovers(bed).isEmpty)
        let preRestore = try Self.records(bed, ["--tag", "pre-restore"])
        #expect(preRestore.first?["host"] as? String == bed.address(0))
    }

    @Test func caseOneRestoresBothManagersFromOneSnapshotAcrossHosts() throws {
        let bed = try Self.started("two-both")
        #expect(try bed.snap(["create", "--all"]).status == 0)
        let snapshot = try Self.state(bed)
        _ = try bed.console(0, "create-user mallory", "delete-user alice")
        #expect(try Self.state(bed) != snapshot)
        let started = Date()
        let restored = try bed.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        print("two hosts: Case 1 (both from one snapshot) took \(Date().timeIntervalSince(started)) s")
        #expect(try Self.state(bed, 0) == snapshot)
        #expect(try Self.state(bed, 1) == snapshot)
        #expect(try Self.leftovers(bed).isEmpty)
    }

    /// A delta (made on the backup host, of a bundle made on the manager's host) restored to
    /// both hosts: each agent is sent a whole `.tar.zst` made from the chain, as it has no base.
    @Test func aDeltaSnapshotIsRestoredAcrossHostsFromItsChain() throws {
        let bed = try Self.started("two-delta")
        let policy = bed.backupHome + "/delta.yaml"
        try "keep:\n  last: 10\ndelta:\n  max_chain: 8\n".write(toFile: policy, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: policy)
        #expect(try bed.snap(["create", "--all", "--policy", policy]).status == 0)
        _ = try bed.console(0, "create-user bob")
        let second = try bed.snap(["create", "--all", "--policy", policy, "-v"])
        #expect(second.status == 0, "\(second.stderr)")
        let newest = try #require(try Self.records(bed).first { $0["node"] as? String == "manager_0" })
        #expect(newest["delta_base"] != nil, "\(second.stderr)")
        let snapshot = try Self.state(bed)
        _ = try bed.console(0, "create-user mallory", "delete-user alice")
        let restored = try bed.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        #expect(try Self.state(bed, 0) == snapshot)
        #expect(try Self.state(bed, 1) == snapshot)
        #expect(try Self.leftovers(bed).isEmpty)
        let verified = try bed.snap(["verify", "--all"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }

    /// With encryption on, bundles made on the manager hosts are encrypted as they reach the
    /// backup host, and restores send the managers the decrypted `.tar.zst`: the identity
    /// never leaves the backup host, and both restore cases work across hosts.
    @Test func encryptedSnapshotsAreSealedOnArrivalAndRestoredAcrossHosts() throws {
        let bed = try Self.started("two-age")
        let key = bed.backupHome + "/age.key"
        let made = try bed.snap(["key", "generate", key])
        try #require(made.status == 0, "\(made.stderr)")
        let recipient = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let handle = try #require(FileHandle(forWritingAtPath: bed.config))
        handle.seekToEndOfFile()
        handle.write(Data("\nencryption:\n  recipients: [\(recipient)]\n  identity: \(key)\n".utf8))
        try handle.close()
        let created = try bed.snap(["create", "--all"])
        #expect(created.status == 0, "\(created.stderr)")
        let records = try Self.records(bed)
        #expect(records.count == 2 && records.allSatisfy { $0["encryption"] is [String: Any] }, "\(records)")
        let bundles = try FileManager.default.contentsOfDirectory(atPath: bed.store + "/bundles")
        #expect(
            bundles.filter { $0.hasSuffix(".tar.zst.age") }.count == 2 && !bundles.contains { $0.hasSuffix(".tar.zst") }
        )
        let snapshot = try Self.state(bed)
        _ = try bed.console(0, "create-user mallory", "delete-user alice")
        let copied = try bed.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(copied.status == 0, "\(copied.stdout)\(copied.stderr)")
        #expect(try Self.state(bed, 0) == snapshot && Self.state(bed, 1) == snapshot)
        _ = try bed.console(0, "create-user mallory")
        let loaded = try bed.snap([
            "restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--mode", "load", "--yes",
        ])
        #expect(loaded.status == 0, "\(loaded.stdout)\(loaded.stderr)")
        #expect(try Self.state(bed, 0) == snapshot)
        #expect(try Self.leftovers(bed).isEmpty)
        #expect(try bed.snap(["verify", "--all"]).status == 0)
        // The identity is on the backup host only.
        let secret = try String(contentsOfFile: key, encoding: .utf8)
        for index in 0..<2 {
            let found = try ProcessRunner.shell("grep -rl 'AGE-SECRET-KEY' '\(bed.hostDirectory(index))'")
            #expect(found.stdout.isEmpty, "\(found.stdout)")
        }
        #expect(secret.contains("AGE-SECRET-KEY-1"))
    }

    @Test func caseTwoTakesOverOntoANewPairOnTwoNewHosts() throws {
        let old = try Self.started("two-old")
        #expect(try old.snap(["create", "--all"]).status == 0)
        let snapshot = try Self.state(old)
        try old.stop()
        // The new pair: other node names on their own hosts, driven from the old backup host.
        let new = try TwoHostTestbed("two-new")
        try new.start()
        let config = try String(contentsOfFile: new.config, encoding: .utf8)
            .replacingOccurrences(of: "store: \(new.store)", with: "store: \(old.store)")
            .replacingOccurrences(of: new.identity, with: old.identity)
            .replacingOccurrences(of: new.knownHosts, with: old.knownHosts)
        try config.write(toFile: old.config, atomically: true, encoding: .utf8)
        let knownHosts =
            try String(contentsOfFile: old.knownHosts, encoding: .utf8)
            + String(contentsOfFile: new.knownHosts, encoding: .utf8)
        try knownHosts.write(toFile: old.knownHosts, atomically: true, encoding: .utf8)
        let key = try String(contentsOfFile: old.identity + ".pub", encoding: .utf8)
        for index in 0..<2 {
            let keys = new.hostDirectory(index) + "/authorized_keys"
            try (String(contentsOfFile: keys, encoding: .utf8) + "restrict " + key).write(
                toFile: keys, atomically: true, encoding: .utf8)
        }
        let started = Date()
        let restored = try old.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
        print("two hosts: Case 2 (takeover onto two new hosts) took \(Date().timeIntervalSince(started)) s")
        #expect(restored.stdout.contains("mode load"))
        #expect(restored.stdout.contains("update-managers \(new.names[0]) \(new.names[1])"))
        let users = try Self.state(new, 0)
        #expect(users.contains("alice"))
        #expect(snapshot.contains("alice"))
        #expect(try Self.leftovers(new).isEmpty)
    }
}
