import Foundation
import Glibc
import SnapTestSupport
import Testing

/// The SSH connection to a manager's host dies in the middle of a capture or a restore:
/// the ssh process is killed, or the host's sshd is stopped as well so that it cannot be
/// reached again. Nothing may be lost on either host, and what is left to do is said.
@Suite struct TwoHostFaultTests {
    /// A TMPDIR of its own for snap on `bed`'s backup host, short enough for ssh's control
    /// sockets: the multiplexing masters name it in their titles, which tells them apart from
    /// other test beds' (same user).
    static func sshTemporary(_ bed: TwoHostTestbed) throws -> [String: String] {
        let path = "/tmp/stb-" + UUID().uuidString.prefix(8).lowercased()
        let made = try ProcessRunner.run(
            "/usr/bin/install", ["-d", "-m", "0700", "-o", TwoHostTestbed.backupUser, path])
        try #require(made.status == 0, "\(made.stderr)")
        return ["TMPDIR": path]
    }

    /// Kills every ssh process of this test bed's backup host (the multiplexing masters
    /// included), and no other test bed's.
    static func killSSH(_ bed: TwoHostTestbed, _ environment: [String: String]) throws {
        let tmp = try #require(environment["TMPDIR"])
        let listed = try ProcessRunner.run("/usr/bin/pgrep", ["-u", TwoHostTestbed.backupUser, "-a", "-x", "ssh"])
        let ssh = listed.stdout.split(separator: "\n").filter { $0.contains(tmp) || $0.contains(bed.directory.path) }
            .compactMap { $0.split(separator: " ").first.flatMap { Int32($0) } }
        try #require(!ssh.isEmpty, "no ssh process of the backup host to kill: \(listed.stdout)")
        for pid in ssh { kill(pid, SIGKILL) }
    }

    /// Sets manager `index`'s start_command to one that writes down its Mnesia files (path
    /// and SHA-256 of each) before it starts the node: what a rollback put back, before the
    /// node touches it. Returns the file it writes.
    static func fingerprintingStart(_ bed: TwoHostTestbed, _ index: Int) throws -> String {
        let home = bed.hostDirectory(index) + "/home"
        let script = home + "/start.sh"
        let output = home + "/started-with.txt"
        let mnesia = bed.mnesia(index)
        try """
        #!/bin/sh
        find '\(mnesia)' -type f -print0 | sort -z | xargs -0 sha256sum | sed 's|\(mnesia)||' > '\(output)'
        exec '\(bed.home(index))/bin/leo_manager' start
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        _ = try ProcessRunner.run("/bin/chown", [bed.user(index), script])
        let config = try String(contentsOfFile: bed.config, encoding: .utf8)
        try config.replacingOccurrences(
            of: "home: \(bed.home(index))\n", with: "home: \(bed.home(index))\n    start_command: \(script)\n"
        ).write(toFile: bed.config, atomically: true, encoding: .utf8)
        return output
    }

    /// Waits until `path` exists (a pause hook reached), at most a minute.
    static func waitFor(_ path: String) throws {
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: path) {
            try #require(Date() < deadline, "\(path) never appeared")
            usleep(50_000)
        }
    }

    /// A `snap:` for manager `index` that pauses its agent before request `op` until the
    /// returned file is removed.
    static func pausingAgent(_ bed: TwoHostTestbed, _ index: Int, before op: String) throws -> String {
        let pause = bed.hostDirectory(index) + "/home/pause-\(op)"
        let wrapper = bed.directory("bin/snap-pausing-\(index)")
        try "#!/bin/sh\nexec env SNAP_DEBUG_AGENT_PAUSE=\(op):\(pause) \(bed.snapPath) \"$@\"\n".write(
            toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let config = try String(contentsOfFile: bed.config, encoding: .utf8)
        let marker = "snap: \(bed.snapPath)"
        let at = try #require(config.range(of: marker, options: index == 0 ? [] : .backwards))
        try config.replacingCharacters(in: at, with: "snap: \(wrapper)").write(
            toFile: bed.config, atomically: true, encoding: .utf8)
        return pause
    }

    /// The files of a pre-restore snapshot, extracted, as `find | sha256sum` lines.
    static func files(of id: String, _ bed: TwoHostTestbed) throws -> String {
        let target = bed.backupHome + "/extract-\(id)"
        let extracted = try bed.snap(["extract", id, "--to", target])
        try #require(extracted.status == 0, "\(extracted.stderr)")
        return try RestoreTests.fingerprint([target + "/mnesia"]).replacingOccurrences(of: target + "/mnesia", with: "")
    }

    @Test func aColdCaptureWhoseConnectionIsKilledLeavesTheNodeRunningAndRecordsNothing() throws {
        let bed = try TwoHostTests.started("two-fault-cold")
        // A slow copy, so that the connection dies while the node is down.
        let environment = try Self.sshTemporary(bed)
        let capture = try bed.startSnap(
            ["create", "--node", "manager_0", "--mode", "cold"],
            environment: environment.merging(["SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS": "0.4"]) { $1 })
        let deadline = Date().addingTimeInterval(60)
        while try bed.control(0, ["ping"]).stdout.contains("pong") {
            try #require(Date() < deadline, "the node was never stopped")
            usleep(100_000)
        }
        try Self.killSSH(bed, environment)
        let result = capture.wait()
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("snaptb-a@127.0.0.2"), "\(result.stderr)")
        // The agent on the host goes on: it starts the node again whatever the connection did.
        let up = Date().addingTimeInterval(90)
        while !(try bed.control(0, ["ping"]).stdout.contains("pong")) {
            try #require(Date() < up, "the node stayed down")
            usleep(200_000)
        }
        #expect(try TwoHostTests.records(bed).isEmpty)
        // The copy it made is removed once the agent learns the connection is gone.
        let clean = Date().addingTimeInterval(30)
        while case let left = try TwoHostTests.leftovers(bed), !left.isEmpty {
            try #require(Date() < clean, "\(left)")
            usleep(200_000)
        }
        #expect(try TwoHostTests.state(bed).contains("alice"))
    }

    @Test func anUnreachableHostFailsOnlyItsManager() throws {
        let bed = try TwoHostTests.started("two-fault-down")
        try bed.stopSSHD(1)
        let created = try bed.snap(["create", "--all", "--mode", "cold"])
        #expect(created.status == 3, "\(created.stdout)\(created.stderr)")
        #expect(created.stderr.contains("manager_1"))
        #expect(created.stderr.contains("snaptb-b@127.0.0.3"))
        #expect(try TwoHostTests.records(bed).map { $0["node"] as? String } == ["manager_0"])
        #expect(try bed.control(0, ["ping"]).stdout.contains("pong"))
        try bed.startSSHD(1)
        #expect(try bed.snap(["create", "--all"]).status == 0)
    }

    /// A restore of the slave's snapshot to the master whose connection to host A dies while
    /// the agent there is about to unpack; `cutOff` also stops host A's sshd, so that the
    /// rollback cannot reach it until it is started again.
    func restoreLosingHostA(cutOff: Bool) throws {
        let bed = try TwoHostTests.started(cutOff ? "two-fault-sshd" : "two-fault-ssh")
        #expect(try bed.snap(["create", "--all"]).status == 0)
        _ = try bed.console(0, "create-user mallory")
        let before = try TwoHostTests.state(bed, 0)
        let startedWith = try Self.fingerprintingStart(bed, 0)
        let pause = try Self.pausingAgent(bed, 0, before: "unpack")
        let environment = try Self.sshTemporary(bed)
        let restore = try bed.startSnap(
            ["restore", "latest@manager_1", "--to", "manager_0", "--yes"], environment: environment)
        try Self.waitFor(pause)
        if cutOff { try bed.stopSSHD(0) }
        try Self.killSSH(bed, environment)
        try FileManager.default.removeItem(atPath: pause)
        let result = restore.wait()
        #expect(result.status == 5, "\(result.stdout)\(result.stderr)")
        let id = try #require(FileManager.default.contentsOfDirectory(atPath: bed.store + "/restores").first)
        if cutOff {
            #expect(result.stderr.contains("not on manager_0 (snaptb-a@127.0.0.2"), "\(result.stderr)")
            #expect(result.stderr.contains("snap restore --rollback \(id)"), "\(result.stderr)")
            // The host it could reach runs again.
            #expect(try bed.control(1, ["ping"]).stdout.contains("pong"))
            #expect(!FileManager.default.fileExists(atPath: startedWith))
            #expect(try bed.snap(["restore", "--rollback", id]).status == 1)  // still cut off
            try bed.startSSHD(0)
            let rolledBack = try bed.snap(["restore", "--rollback", id])
            #expect(rolledBack.status == 0, "\(rolledBack.stdout)\(rolledBack.stderr)")
        }
        #expect(try bed.control(0, ["ping"]).stdout.contains("pong"))
        #expect(try bed.control(1, ["ping"]).stdout.contains("pong"))
        #expect(try TwoHostTests.state(bed, 0) == before)
        // The rollback put back exactly the files the restore set aside, byte for byte.
        let preRestore = try #require(TwoHostTests.records(bed, ["--tag", "pre-restore"]).first?["id"] as? String)
        let putBack = try String(contentsOfFile: startedWith, encoding: .utf8)
        #expect(putBack.contains("schema.DAT"))
        #expect(try Self.files(of: preRestore, bed) == putBack)
        let left = try TwoHostTests.leftovers(bed)
        #expect(left.isEmpty, "\(left)")
    }

    @Test func aRestoreWhoseSSHProcessIsKilledRollsBack() throws {
        try restoreLosingHostA(cutOff: false)
    }

    @Test func aRestoreCutOffFromAHostRollsBackTheOtherAndFinishesLater() throws {
        try restoreLosingHostA(cutOff: true)
    }
}
