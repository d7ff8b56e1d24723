import Foundation
import Glibc
import Logging

/// `snap agent`: serves one coordinator on stdin and stdout, doing on this host what a
/// capture or a restore of a manager here needs (``RemoteManagerHost`` is the other end).
///
/// Started with homes (`--home`, as an `authorized_keys` forced command), it serves only the
/// managers whose release directory is one of them and refuses any path outside them, any
/// console command but the two snap sends, and any `stop_command`/`start_command` sent to it:
/// a stolen backup-host key then reads and runs nothing else on this host.
package final class Agent {
    // Used from the serving thread only, but the heartbeat thread, which touches only `channel`.
    let channel: FrameChannel
    let homes: [String]?
    let hooks: DebugHooks
    let logger: Logger
    var host: LocalManagerHost?
    /// The request being handled is followed by a data stream not read yet.
    var pendingStream = false
    /// The manager's agent lock, held until exit.
    var lockDescriptor: Int32?

    /// - Parameters:
    ///   - homes: the manager homes served; nil serves any.
    package init(homes: [String]?, hooks: DebugHooks, logger: Logger) {
        // The coordinator sends heartbeats too: one silent for this long is gone (a
        // backup host cut off without a word), and the agent's work and lock go with it.
        channel = FrameChannel(input: 0, output: 1, peer: "the coordinator", idleLimit: 120)
        self.homes = homes.map { $0.map(Self.realPath) }
        self.hooks = hooks
        self.logger = logger
    }

    /// Serves requests until the coordinator says goodbye or goes away.
    /// - Returns: the exit status.
    package func serve() -> ExitStatus {
        signal(SIGPIPE, SIG_IGN)
        startHeartbeat()
        do {
            guard try handshake() else { return .error }
            while true {
                let request = try channel.receive(AgentRequest.self)
                if request.op == .bye {
                    try channel.send(AgentReply())
                    return .ok
                }
                do {
                    if let reply = try handle(request) { try channel.send(reply) }
                } catch let error as ChannelError {
                    throw error
                } catch {
                    if pendingStream { try drain() }
                    try channel.send(AgentReply(failure: RemoteFailure(error)))
                }
            }
        } catch ChannelError.lost {
            return .ok  // the coordinator went away: whatever was half done was cleaned up on the way out
        } catch {
            logger.error("snap agent: \(error)")
            return .error
        }
    }

    /// Answers `hello`; false when the coordinator speaks another protocol version.
    private func handshake() throws -> Bool {
        let hello = try channel.receive(AgentRequest.self)
        let ours = hooks.agentProtocol ?? AgentProtocol.version
        var reply = AgentReply()
        reply.protocol = ours
        reply.snapVersion = ToolInfo.version
        reply.hostName = ToolInfo.host
        guard hello.op == .hello else {
            reply.failure = RemoteFailure(AgentRefusal("no hello"))
            try channel.send(reply)
            return false
        }
        if let theirs = hello.protocol, theirs != ours {
            let error = RemoteError.protocolMismatch(
                host: "the backup host", ours: ours, ourVersion: ToolInfo.version, theirs: theirs,
                theirVersion: hello.snapVersion ?? "unknown")
            logger.error("snap agent: \(error)")
            reply.failure = RemoteFailure(error)
            try channel.send(reply)
            return false
        }
        try channel.send(reply)
        return true
    }

    /// Heartbeats every 2 s while the connection lives, so that a long step is not taken
    /// for a dead host. Once the coordinator is gone, the work in hand stops at its next safe
    /// point as if SIGHUP had come (an unpack removes what it wrote; a cold copy's node is
    /// started again first).
    private func startHeartbeat() {
        channel.keepAlive(every: 2) { kill(getpid(), SIGHUP) }
        Thread.detachNewThread {
            while !Self.coordinatorGone() { sleep(1) }
            kill(getpid(), SIGHUP)
        }
    }

    /// True when the coordinator's end of stdout is closed (the SSH session died), found
    /// without writing.
    static func coordinatorGone() -> Bool {
        var poller = pollfd(fd: 1, events: Int16(POLLOUT), revents: 0)
        return poll(&poller, 1, 0) > 0 && poller.revents & Int16(POLLERR | POLLHUP) != 0
    }

    /// The manager opened by `open`.
    func manager() throws -> LocalManagerHost {
        guard let host else { throw AgentRefusal("no manager opened") }
        return host
    }

    /// `path` with every link resolved; for a path that does not exist (yet), its nearest
    /// existing parent resolved and the rest appended.
    static func realPath(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let parent = FileOps.parent(of: path)
        guard !parent.isEmpty, parent != path else { return path }
        return realPath(parent) + "/" + FileOps.lastComponent(of: path)
    }

    /// Whether `path` is `home` or inside it, links resolved; a path with `..` in it never is.
    static func isInside(_ path: String, _ home: String) -> Bool {
        guard !path.split(separator: "/").contains("..") else { return false }
        let real = realPath(path)
        return real == home || real.hasPrefix(home.hasSuffix("/") ? home : home + "/")
    }
}
