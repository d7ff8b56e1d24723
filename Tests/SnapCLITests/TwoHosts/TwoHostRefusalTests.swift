import Foundation
import Glibc
import SnapTestSupport
import Testing

/// What snap on the backup host refuses before anything runs on a manager's host: a host
/// key it does not know or that changed, an agent of another protocol version; and what a
/// forced-command agent refuses: anything outside the homes it serves.
@Suite struct TwoHostRefusalTests {
    /// Replaces snap.yaml's `old` with `new`.
    static func edit(_ bed: TwoHostTestbed, _ old: String, _ new: String) throws {
        let config = try String(contentsOfFile: bed.config, encoding: .utf8)
        try #require(config.contains(old))
        try config.replacingOccurrences(of: old, with: new).write(
            toFile: bed.config, atomically: true, encoding: .utf8)
    }

    /// A create that was refused: exit 1, nothing recorded, both managers still running.
    static func expectRefused(_ bed: TwoHostTestbed, _ result: ProcessResult, saying fragments: [String]) throws {
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        for fragment in fragments { #expect(result.stderr.contains(fragment), "\(fragment): \(result.stderr)") }
        #expect(try TwoHostTests.records(bed).isEmpty)
        #expect(try bed.control(0, ["ping"]).stdout.contains("pong"))
        #expect(try bed.control(1, ["ping"]).stdout.contains("pong"))
    }

    @Test func anUnknownHostKeyIsRefusedNamingHostAndFingerprint() throws {
        let bed = try TwoHostTests.started("two-unknown-key")
        let lines = try String(contentsOfFile: bed.knownHosts, encoding: .utf8).split(separator: "\n")
        try lines.filter { !$0.hasPrefix("[\(bed.address(0))]") }.joined(separator: "\n").appending("\n")
            .write(toFile: bed.knownHosts, atomically: true, encoding: .utf8)
        let created = try bed.snap(["create", "--node", "manager_0", "--mode", "cold"])
        try Self.expectRefused(
            bed, created,
            saying: ["refusing snaptb-a@127.0.0.2 port \(bed.sshPort)", "SHA256:", "is not in \(bed.knownHosts)"])
    }

    @Test func aChangedHostKeyIsRefusedNamingHostAndFingerprint() throws {
        let bed = try TwoHostTests.started("two-changed-key")
        let other = bed.directory("other_key")
        let made = try ProcessRunner.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other])
        try #require(made.status == 0, "\(made.stderr)")
        let otherKey = try String(contentsOfFile: other + ".pub", encoding: .utf8).split(separator: " ")[1]
        let lines = try String(contentsOfFile: bed.knownHosts, encoding: .utf8).split(separator: "\n").map { line in
            guard line.hasPrefix("[\(bed.address(0))]") else { return String(line) }
            var fields = line.split(separator: " ").map(String.init)
            fields[2] = String(otherKey)
            return fields.joined(separator: " ")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: bed.knownHosts, atomically: true, encoding: .utf8)
        let created = try bed.snap(["create", "--node", "manager_0", "--mode", "cold"])
        try Self.expectRefused(bed, created, saying: ["refusing snaptb-a@127.0.0.2", "host key changed", "SHA256:"])
    }

    @Test func agentsOfAnotherProtocolVersionAreRefusedNamingBothVersions() throws {
        let bed = try TwoHostTests.started("two-version")
        // An agent that speaks another version than this snap...
        let wrapper = bed.directory("bin/snap-other")
        try "#!/bin/sh\nexec env SNAP_DEBUG_AGENT_PROTOCOL=99 \(bed.snapPath) \"$@\"\n".write(
            toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let config = try String(contentsOfFile: bed.config, encoding: .utf8)
        try config.replacingOccurrences(of: "snap: \(bed.snapPath)", with: "snap: \(wrapper)").write(
            toFile: bed.config, atomically: true, encoding: .utf8)
        let newer = try bed.snap(["create", "--all"])
        #expect(newer.status == 1, "\(newer.stderr)")
        #expect(
            newer.stderr.contains("speaks agent protocol 1, but the agent on snaptb-a@127.0.0.2"), "\(newer.stderr)")
        #expect(newer.stderr.contains("protocol 99"))
        #expect(newer.stderr.contains("upgrade snap on this host (backup host"), "\(newer.stderr)")
        try config.write(toFile: bed.config, atomically: true, encoding: .utf8)
        // ... and a coordinator that does.
        let older = try bed.snap(["create", "--all"], environment: ["SNAP_DEBUG_AGENT_PROTOCOL": "0"])
        #expect(older.status == 1, "\(older.stderr)")
        #expect(older.stderr.contains("speaks agent protocol 0"), "\(older.stderr)")
        #expect(older.stderr.contains("upgrade snap on this host"), "\(older.stderr)")
        #expect(try TwoHostTests.records(bed).isEmpty)
        #expect(try bed.snap(["create", "--all"]).status == 0)
    }

    @Test func aForcedCommandAgentServesItsHomeAndRefusesEverythingElse() throws {
        let bed = try TwoHostTests.started("two-forced", forcedCommand: true)
        // What snap needs works through the forced command: captures and a restore.
        #expect(try bed.snap(["create", "--all"]).status == 0)
        let restored = try bed.snap(["restore", "latest@manager_1", "--to", "manager_0", "--yes"])
        #expect(restored.status == 0, "\(restored.stderr)")
        // Another home on the same host: the agent serves only the one it was started for.
        let elsewhere = bed.hostDirectory(0) + "/home"
        try Self.edit(bed, "home: \(bed.home(0))\n", "home: \(elsewhere)\n")
        let other = try bed.snap(["create", "--node", "manager_0"])
        #expect(other.status == 1, "\(other.stderr)")
        #expect(other.stderr.contains("\(elsewhere) is not a home this agent serves"), "\(other.stderr)")
        try Self.edit(bed, "home: \(elsewhere)\n", "home: \(bed.home(0))\n")
        // A Mnesia directory (the host's /etc, say) or a console address sent to it is not taken.
        for key in ["mnesia_dir: /etc", "console_host: 10.0.0.99"] {
            try Self.edit(bed, "home: \(bed.home(0))\n", "home: \(bed.home(0))\n    \(key)\n")
            let outside = try bed.snap(["create", "--node", "manager_0", "--mode", "files"])
            #expect(outside.status == 1, "\(outside.stderr)")
            let name = String(key.prefix { $0 != ":" })
            #expect(outside.stderr.contains("a restricted agent takes \(name) from"), "\(outside.stderr)")
            try Self.edit(bed, "    \(key)\n", "")
        }
        // So is a command to run: a stolen key must not run anything on the host.
        try Self.edit(bed, "home: \(bed.home(0))\n", "home: \(bed.home(0))\n    stop_command: cat /etc/shadow\n")
        let command = try bed.snap(["create", "--node", "manager_0", "--mode", "cold"])
        #expect(command.status == 1, "\(command.stderr)")
        #expect(command.stderr.contains("runs no stop_command sent to it"), "\(command.stderr)")
        #expect(try bed.control(0, ["ping"]).stdout.contains("pong"))
    }
}
