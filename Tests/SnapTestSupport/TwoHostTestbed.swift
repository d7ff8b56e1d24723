import Foundation
import Glibc

/// Two LeoFS manager hosts and a backup host simulated on this machine for one test
/// (`Tests/Testbed/leofs-testbed create --hosts`): host A is 127.0.0.2 and user `snaptb-a`,
/// host B is 127.0.0.3 and user `snaptb-b`, each with its own sshd and manager release; the
/// backup host is user `snaptb-backup`, whose snap reaches the managers over ssh. Its own
/// directory, node names and free ports; every process of it is killed when the value is
/// released. Needs root.
package final class TwoHostTestbed: @unchecked Sendable {
    // Fields are set once in init; deinit runs once.
    package let directory: TemporaryDirectory
    package let names: [String]
    package let basePort: Int
    package let sshPort: Int
    private let consoleReservation: PortReservation
    private let sshReservation: PortReservation

    /// The manager hosts' addresses.
    package static let addresses = ["127.0.0.2", "127.0.0.3"]
    /// The manager hosts' users.
    package static let users = ["snaptb-a", "snaptb-b"]
    /// The backup host's user, who runs snap.
    package static let backupUser = "snaptb-backup"

    /// Lays out the hosts; `names` defaults to fresh unique node names on the hosts'
    /// addresses. With `forcedCommand`, the hosts' authorized_keys run
    /// `bin/snap agent --home HOME` whatever the backup host asks for.
    package init(_ label: String, names: [String]? = nil, forcedCommand: Bool = false, tableWait: Int = 180) throws {
        directory = TemporaryDirectory(label)
        let unique = UUID().uuidString.prefix(6).lowercased()
        self.names = names ?? ["m0_\(unique)@\(Self.addresses[0])", "m1_\(unique)@\(Self.addresses[1])"]
        consoleReservation = try Self.freePortBlock()
        basePort = consoleReservation.ports[0]
        sshReservation = try Self.freeSSHPort()
        sshPort = sshReservation.ports[0]
        var arguments = [
            "create", directory.path, "--hosts", "--ssh-port", String(sshPort), "--snap", SnapBinary.path,
            "--names", self.names.joined(separator: ","), "--base-port", String(basePort),
            "--table-wait", String(tableWait),
        ]
        if forcedCommand { arguments.append("--forced-command") }
        let result = try ProcessRunner.run(PackagePaths.testbed, arguments)
        guard result.status == 0 else {
            throw FixtureError(message: "leofs-testbed create --hosts: \(result.stdout)\(result.stderr)")
        }
    }

    deinit { _ = try? destroy() }

    /// The backup host's snap.yaml.
    package var config: String { directory("backup/snap.yaml") }
    /// The backup host's store.
    package var store: String { directory("backup/store") }
    /// The backup user's HOME: key, known_hosts, snap.yaml and store.
    package var backupHome: String { directory("backup") }
    /// The backup user's private key.
    package var identity: String { directory("backup/id_ed25519") }
    /// The backup user's known_hosts, with both hosts' keys.
    package var knownHosts: String { directory("backup/known_hosts") }
    /// The snap that both hosts and the backup host run (a copy of the built one).
    package var snapPath: String { directory("bin/snap") }

    /// Host `index`'s directory (sshd files, the user's HOME, the manager release).
    package func hostDirectory(_ index: Int) -> String { directory(index == 0 ? "host_a" : "host_b") }
    package func home(_ index: Int) -> String { hostDirectory(index) + "/leo_manager_\(index)" }
    package func mnesia(_ index: Int) -> String { home(index) + "/work/mnesia/127.0.0.1" }
    package func address(_ index: Int) -> String { Self.addresses[index] }
    package func user(_ index: Int) -> String { Self.users[index] }
    package func consolePort(_ index: Int) -> Int { basePort + index }

    /// Starts both sshds and both managers and waits until the managers are ready.
    package func start() throws {
        try testbed("start")
    }

    /// Stops both managers (what is not running is fine); the sshds keep running.
    @discardableResult
    package func stop() throws -> ProcessResult {
        try ProcessRunner.run(PackagePaths.testbed, ["stop", directory.path])
    }

    /// Stops host `index`'s sshd listener: new connections are refused, sessions already
    /// open go on (kill them to cut a host off).
    package func stopSSHD(_ index: Int) throws {
        try testbed("sshd-stop", hostLetter(index))
    }

    /// Starts host `index`'s sshd again.
    package func startSSHD(_ index: Int) throws {
        try testbed("sshd-start", hostLetter(index))
    }

    /// Stops the managers and sshds and kills every process left of this test bed.
    @discardableResult
    package func destroy() throws -> ProcessResult {
        try ProcessRunner.run(PackagePaths.testbed, ["destroy", directory.path])
    }

    /// Runs `bin/leo_manager ARGS` of manager `index` as root, as an operator would; the
    /// script runs itself as the release's owner.
    @discardableResult
    package func control(_ index: Int, _ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(home(index) + "/bin/leo_manager", arguments)
    }

    /// Sends console commands (one per line) to manager `index` on its host's address.
    package func console(_ index: Int, _ commands: String...) throws -> String {
        try Console.exchange(port: consolePort(index), host: address(index), commands.joined(separator: "\n") + "\n")
    }

    /// Runs the backup host's snap with its config, as the backup user in a clean
    /// environment (`environment` entries are added).
    @discardableResult
    package func snap(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try startSnap(arguments, environment: environment).wait()
    }

    /// Starts the backup host's snap like ``snap(_:environment:)`` without waiting for it.
    /// The process is snap itself (setpriv and env exec it), so
    /// ``RunningProcess/signal(_:)`` reaches snap; runuser would stay in between and turn
    /// a signal into its own SIGTERM to the child.
    package func startSnap(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningProcess {
        try spawnAsBackupUser([snapPath] + arguments + ["--config", config], environment: environment)
    }

    /// Runs `command ARGS` as the backup user in the same clean environment as snap (for
    /// ssh checks).
    @discardableResult
    package func runAsBackupUser(_ command: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> ProcessResult
    {
        try startAsBackupUser(command, arguments, environment: environment).wait()
    }

    /// The arguments for `ssh` as the backup user to host `index` with the test bed's key
    /// and known_hosts, in batch mode, running `command`.
    package func sshArguments(to index: Int, user: String? = nil, knownHosts: String? = nil, _ command: [String])
        -> [String]
    {
        [
            "-i", identity, "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=\(knownHosts ?? self.knownHosts)",
            "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", "-p", String(sshPort),
            "\(user ?? self.user(index))@\(address(index))",
        ] + command
    }

    /// The live processes of this test bed: those running a program under its directory
    /// (the sshds and their sessions, bin/snap) and those of its three users that name the
    /// directory in their command line or environment (the managers, session commands,
    /// ssh). Other test beds' processes, under the same users, are not counted; zombies
    /// neither (PID 1 of a container may reap them late).
    package func processes() -> [Int32] {
        let users = Set((Self.users + [Self.backupUser]).compactMap { getpwnam($0)?.pointee.pw_uid })
        let marker = Data((directory.path + "/").utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
            let fields = Dictionary(
                status.split(separator: "\n").map { line in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
                },
                uniquingKeysWith: { first, _ in first })
            if fields["State"]?.hasPrefix("Z") ?? true { return false }
            if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
                exe.hasPrefix(directory.path + "/")
            {
                return true
            }
            guard let uid = fields["Uid"]?.split(separator: "\t").first.flatMap({ UInt32($0) }), users.contains(uid)
            else { return false }
            return ["cmdline", "environ"].contains { file in
                (FileManager.default.contents(atPath: "/proc/\(pid)/\(file)")?.range(of: marker)) != nil
            }
        }
    }

    /// Starts `command ARGS` as the backup user like ``runAsBackupUser(_:_:environment:)``
    /// without waiting for it (an ssh session that stays open). A shell runs the command
    /// and waits for it: ssh closes every descriptor it inherits, among them the one by
    /// which Foundation's `Process` tells that its child exited, and Foundation then
    /// blocks every other `Process` of the test run until ssh exits. Signals reach the
    /// shell, not the command.
    package func startAsBackupUser(_ command: String, _ arguments: [String], environment: [String: String] = [:])
        throws -> RunningProcess
    {
        try spawnAsBackupUser(
            ["/bin/sh", "-c", "\"$@\"; exit $?", "sh", command] + arguments, environment: environment)
    }

    /// Starts `command` as the backup user in a clean environment, in its HOME; setpriv
    /// and env exec it, so the process is `command[0]` itself.
    private func spawnAsBackupUser(_ command: [String], environment: [String: String]) throws -> RunningProcess {
        let variables = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": backupHome, "LANG": "C.UTF-8"]
            .merging(environment) { $1 }
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value)" }
        let user = Self.backupUser
        return try ProcessRunner.start(
            "/usr/bin/setpriv",
            ["--reuid=\(user)", "--regid=\(user)", "--init-groups", "/usr/bin/env", "-i"] + variables + command,
            environment: [:], directory: backupHome)
    }

    private func hostLetter(_ index: Int) -> String { index == 0 ? "a" : "b" }

    private func testbed(_ command: String, _ arguments: String...) throws {
        let result = try ProcessRunner.run(PackagePaths.testbed, [command, directory.path] + arguments)
        guard result.status == 0 else {
            throw FixtureError(message: "leofs-testbed \(command) failed: \(result.stdout)\(result.stderr)")
        }
    }

    /// Twelve consecutive TCP ports free on both hosts' addresses (consoles), held for
    /// the bed's life.
    static func freePortBlock() throws -> PortReservation {
        // Below Linux's ephemeral range, as StandinPair's.
        guard
            let block = PortReservation.claim(
                hosts: addresses,
                {
                    let base = Int.random(in: 20_000...32_700)
                    return Array(base..<(base + 12))
                })
        else { throw FixtureError(message: "no free block of 12 TCP ports on \(addresses)") }
        return block
    }

    /// A TCP port free on both hosts' addresses for their sshds, held for the bed's life.
    static func freeSSHPort() throws -> PortReservation {
        guard let port = PortReservation.claim(hosts: addresses, { [Int.random(in: 20_000...32_700)] }) else {
            throw FixtureError(message: "no free TCP port on \(addresses)")
        }
        return port
    }
}
