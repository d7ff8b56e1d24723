import Foundation
import SnapTestSupport
import Testing

/// The two-host test bed must really separate its hosts, or the tests that drive snap over
/// ssh through it prove nothing: each manager on its own address and user, ssh only with
/// the backup host's key and known host keys, no host reading another's files.
@Suite struct TwoHostTestbedTests {
    static let ssh = "/usr/bin/ssh"

    @Test func bothManagersComeUpOnTheirHostsAddressesAsTheirHostsUsers() throws {
        let bed = try TwoHostTestbed("twohost-up")
        try bed.start()
        for index in 0..<2 {
            #expect(bed.names[index].hasSuffix("@\(bed.address(index))"))
            let ping = try bed.control(index, ["ping"])
            #expect(ping.status == 0)
            #expect(ping.stdout.contains("pong"))
            let status = try bed.console(index, "status")
            #expect(status.contains("cluster Id"))
            #expect(status.contains(bed.names[index]))
            // Bound to the host's address alone: the same port is free on 127.0.0.1.
            #expect(Console.portIsFree(bed.consolePort(index), host: "127.0.0.1"))
            let pid = try String(contentsOfFile: bed.home(index) + "/work/leo_manager.pid", encoding: .utf8)
            let owner = try ProcessRunner.run(
                "/bin/ps", ["-o", "user=", "-p", pid.trimmingCharacters(in: .whitespaces)])
            #expect(owner.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == bed.user(index))
        }
    }

    @Test func theBackupUserLogsIntoEachHostAsThatHostsUserWithKnownHostKeysOnly() throws {
        let bed = try TwoHostTestbed("twohost-ssh")
        try bed.startSSHD(0)
        try bed.startSSHD(1)
        for index in 0..<2 {
            let login = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: index, ["id", "-un"]))
            #expect(login.status == 0, "\(login.stderr)")
            #expect(login.stdout == bed.user(index) + "\n")
            let otherUser = try bed.runAsBackupUser(
                Self.ssh, bed.sshArguments(to: index, user: bed.user(1 - index), ["id", "-un"]))
            #expect(otherUser.status == 255)
            #expect(otherUser.stderr.contains("Permission denied"))
        }
        let unknown = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 0, knownHosts: "/dev/null", ["true"]))
        #expect(unknown.status == 255)
        #expect(unknown.stderr.contains("Host key verification failed"))
        // Each address listed with the other host's key: a host that is not who it says.
        let lines = try String(contentsOfFile: bed.knownHosts, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == 2)
        func key(_ line: Substring) -> Substring { line.split(separator: " ", maxSplits: 1)[1] }
        func name(_ line: Substring) -> Substring { line.split(separator: " ", maxSplits: 1)[0] }
        let swapped = bed.directory("swapped_known_hosts")
        try "\(name(lines[0])) \(key(lines[1]))\n\(name(lines[1])) \(key(lines[0]))\n".write(
            toFile: swapped, atomically: true, encoding: .utf8)
        let impostor = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 1, knownHosts: swapped, ["true"]))
        #expect(impostor.status == 255)
        #expect(impostor.stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"))
    }

    @Test func noUserReadsAManagerHomeOfAnotherHost() throws {
        let bed = try TwoHostTestbed("twohost-modes")
        try bed.startSSHD(0)
        for index in 0..<2 {
            let direct = try bed.runAsBackupUser("/bin/ls", [bed.home(index)])
            #expect(direct.status != 0)
            #expect(direct.stderr.contains("Permission denied"))
        }
        let own = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 0, ["ls", bed.home(0)]))
        #expect(own.status == 0, "\(own.stderr)")
        #expect(own.stdout.contains("etc"))
        let other = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 0, ["ls", bed.home(1)]))
        #expect(other.status != 0)
        #expect(other.stderr.contains("Permission denied"))
    }

    @Test func sshdStopRefusesNewConnectionsLeavesOpenSessionsAndSshdStartRestores() throws {
        let bed = try TwoHostTestbed("twohost-sshd")
        try bed.startSSHD(0)
        try bed.startSSHD(1)
        let session = try bed.startAsBackupUser(
            Self.ssh, bed.sshArguments(to: 0, ["sleep 3; echo still here"]))
        try waitForSession(of: bed)
        try bed.stopSSHD(0)
        let refused = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 0, ["true"]))
        #expect(refused.status == 255)
        #expect(refused.stderr.contains("Connection refused"))
        #expect(try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 1, ["true"])).status == 0)
        let open = session.wait()
        #expect(open.status == 0)
        #expect(open.stdout == "still here\n")
        try bed.startSSHD(0)
        let back = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 0, ["id", "-un"]))
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout == bed.user(0) + "\n")
    }

    @Test func aForcedCommandRunsTheHostsSnapAgentWhateverWasAsked() throws {
        let bed = try TwoHostTestbed("twohost-forced", forcedCommand: true)
        // A stand-in for bin/snap that tells what it was run with.
        try "#!/bin/sh\necho \"$(id -un) $* [$SSH_ORIGINAL_COMMAND] $HOME\"\n".write(
            toFile: bed.snapPath, atomically: true, encoding: .utf8)
        chmod(bed.snapPath, 0o755)
        try bed.startSSHD(1)
        let run = try bed.runAsBackupUser(Self.ssh, bed.sshArguments(to: 1, ["id", "-un"]))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "\(bed.user(1)) agent --home \(bed.home(1)) [id -un] \(bed.hostDirectory(1))/home\n")
    }

    @Test func destroyLeavesNoProcessOfTheTestBed() throws {
        let bed = try TwoHostTestbed("twohost-destroy")
        try bed.start()
        // A session whose sshd listener is gone: the hardest to find.
        let session = try bed.startAsBackupUser(Self.ssh, bed.sshArguments(to: 0, ["sleep", "300"]))
        try waitForSession(of: bed)
        try bed.stopSSHD(0)
        // Both VMs, host B's sshd, and the session on A (ssh, two sshd, sleep).
        #expect(bed.processes().count >= 7)
        let destroyed = try bed.destroy()
        #expect(destroyed.status == 0, "\(destroyed.stderr)")
        #expect(bed.processes() == [])
        #expect(session.wait().status != 0)
    }

    /// Waits until host A runs a session command (`sleep`) for the backup user.
    private func waitForSession(of bed: TwoHostTestbed) throws {
        for _ in 0..<100 {
            let sleeping = try ProcessRunner.run("/usr/bin/pgrep", ["-u", bed.user(0), "-x", "sleep"])
            let pids = sleeping.stdout.split(separator: "\n").compactMap { Int32($0) }
            if bed.processes().contains(where: pids.contains) { return }
            usleep(100_000)
        }
        throw FixtureError(message: "no ssh session came up on host A")
    }
}
