import Foundation
import Glibc

/// One `ssh HOST snap agent` process: the agent's stdin and stdout on a socket, ssh's own
/// messages in a private file read when something fails.
final class SSHSession: @unchecked Sendable {
    // Set in init; `close()` runs once, from the owner.
    let target: SSHTarget
    let channel: FrameChannel
    private let pid: pid_t
    private let socket: Int32
    private let errorFile: String
    private var closed = false

    /// The options every ssh of `target` runs with (also `ssh -O exit`).
    static func options(for target: SSHTarget, timeout: Double, controlDirectory: String) -> [String] {
        var options = [
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "PasswordAuthentication=no",
            "-o", "KbdInteractiveAuthentication=no",
            "-o", "ConnectTimeout=\(max(Int(timeout.rounded(.up)), 1))",
            "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=\(max(Int(timeout / 5), 2))",
            "-o", "ControlMaster=auto", "-o", "ControlPath=\(controlDirectory)/%C",
            "-o", "ControlPersist=\(SSHConnections.persistSeconds)", "-o", "LogLevel=ERROR",
        ]
        if let knownHosts = target.knownHosts { options += ["-o", "UserKnownHostsFile=\(knownHosts)"] }
        if let identity = target.identity { options += ["-i", identity, "-o", "IdentitiesOnly=yes"] }
        if let port = target.port { options += ["-p", String(port)] }
        return options + ["--", target.host]
    }

    /// Starts `ssh` to run the agent.
    /// - Parameter idleLimit: seconds without a frame before the agent is given up on.
    init(_ target: SSHTarget, timeout: Double, connections: SSHConnections) throws {
        self.target = target
        let directory = try connections.controlDirectory()
        let options = Self.options(for: target, timeout: timeout, controlDirectory: directory)
        connections.register(target.shown, options: options)
        errorFile = directory + "/" + FileOps.randomHex(bytes: 6) + ".stderr"
        let arguments = ["/usr/bin/ssh", "-T"] + options + [target.snap, "agent"]
        var pair: [Int32] = [-1, -1]
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, kind, 0, &pair) == 0 else {
            throw HostUnreachable(host: target.shown, detail: String(cString: strerror(errno)))
        }
        // Its own process group: the operator's Ctrl-C reaches snap, which stops at a safe
        // point, and not the connection in the middle of a step.
        let spawned = ProcessSpawn.inNewGroup(arguments) { [errorFile] actions in
            posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
            posix_spawn_file_actions_adddup2(&actions, pair[1], 1)
            posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        Glibc.close(pair[1])
        switch spawned {
        case .success(let started): pid = started
        case .failure(let failure):
            Glibc.close(pair[0])
            throw HostUnreachable(host: target.shown, detail: "cannot run /usr/bin/ssh: \(failure.reason)")
        }
        socket = pair[0]
        channel = FrameChannel(
            input: socket, output: socket, peer: "the agent on \(target.shown)", idleLimit: timeout)
        // The agent gives up on a coordinator it hears nothing from, so that a backup host
        // cut off mid-restore does not leave it holding its files and its lock for hours.
        channel.keepAlive(every: 2)
    }

    deinit { close() }

    /// What ssh said on stderr, once it has ended (waiting up to `seconds` for that).
    func sshMessages(waiting seconds: Double) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 && Date() < deadline { usleep(20_000) }
        let text = (try? FileOps.readFile(errorFile)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// Ends the session: the agent sees end of input and exits; ssh is killed if it lingers.
    func close() {
        guard !closed else { return }
        closed = true
        channel.shutDown()
        shutdown(socket, Int32(SHUT_WR))
        let deadline = Date().addingTimeInterval(5)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(10_000)
        }
        Glibc.close(socket)
        unlink(errorFile)
    }

    /// The failure to report when the channel broke before or during the handshake: ssh's
    /// own reason (host key, login, network, no agent there) when it gave one.
    func connectFailure(_ error: any Error) -> any Error {
        let messages = sshMessages(waiting: 3)
        let host = target.shown
        if messages.contains("Host key verification failed") || messages.contains("REMOTE HOST IDENTIFICATION") {
            let known = target.knownHosts ?? "the ssh config's known_hosts"
            let offered =
                Self.fingerprint(of: target)
                ?? messages.firstMatch(of: /SHA256:[A-Za-z0-9+\/=]+/).map {
                    String($0.output)
                }
            let changed = messages.contains("REMOTE HOST IDENTIFICATION")
            return RemoteError.hostKey(
                host: host,
                detail: (changed
                    ? "its host key changed: it offers \(offered ?? "a key") that does not match \(known)"
                    : "its host key \(offered ?? "") is not in \(known)")
                    + "; nothing was run there. If this is the right host, check the key with its administrator and "
                    + "add it to \(known) (ssh-keyscan\(target.port.map { " -p \($0)" } ?? "") \(target.address))")
        }
        if messages.contains("Permission denied") {
            return HostUnreachable(
                host: host,
                detail: "the key was refused (\(messages)); add snap's public key"
                    + "\(target.identity.map { " (\($0).pub)" } ?? "") to the authorized_keys of that user")
        }
        if messages.contains("not found") || messages.contains("No such file") {
            return HostUnreachable(
                host: host,
                detail: "no snap agent at '\(target.snap)' there (\(messages)); install snap on that host, or set "
                    + "the manager's snap: key to its path")
        }
        return HostUnreachable(host: host, detail: messages.isEmpty ? "\(error)" : messages)
    }

    /// The SHA-256 fingerprint of the key `target` offers, read with ssh-keyscan.
    static func fingerprint(of target: SSHTarget) -> String? {
        var scan = ["/usr/bin/ssh-keyscan", "-T", "5"]
        if let port = target.port { scan += ["-p", String(port)] }
        guard let keys = try? CommandRunner().run(scan + [target.address], timeout: 10), keys.status == 0,
            let line = keys.stdout.split(separator: "\n").first(where: { $0.contains("ssh-ed25519") })
                ?? keys.stdout.split(separator: "\n").first(where: { !$0.hasPrefix("#") })
        else { return nil }
        let file = NSTemporaryDirectory() + "/snap-key-" + FileOps.randomHex(bytes: 6)
        defer { unlink(file) }
        guard (try? String(line).write(toFile: file, atomically: false, encoding: .utf8)) != nil,
            let print = try? CommandRunner().run(["/usr/bin/ssh-keygen", "-l", "-f", file], timeout: 10),
            print.status == 0
        else { return nil }
        // `256 SHA256:abc... [127.0.0.2]:2222 (ED25519)`
        let fields = print.stdout.split(separator: " ")
        guard fields.count >= 2 else { return nil }
        return "\(fields.last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "") \(fields[1])"
    }
}
