import Foundation
import Glibc
import Logging

/// A manager on another host, driven through `snap agent` there over OpenSSH.
///
/// Every method is one request to the agent, which carries it out with a
/// ``LocalManagerHost`` of its own; what a capture takes comes back as the compressed bundle,
/// and what a restore puts back goes there as the snapshot's bundle, each checked by SHA-256
/// at the receiving end. A connection that broke is made again by the next request, never
/// by repeating the one that broke (the agent may have carried it out).
final class RemoteManagerHost: ManagerHost, @unchecked Sendable {
    // `session` is only touched by the one thread that drives this manager.
    package let node: ManagerNode
    let entry: ManagerEntry
    let target: SSHTarget
    let hooks: DebugHooks
    let logger: Logger
    private let connections: SSHConnections
    private var session: SSHSession?

    private init(
        node: ManagerNode, entry: ManagerEntry, target: SSHTarget, session: SSHSession, connections: SSHConnections,
        hooks: DebugHooks, logger: Logger
    ) {
        self.node = node
        self.entry = entry
        self.target = target
        self.session = session
        self.connections = connections
        self.hooks = hooks
        self.logger = logger
    }

    deinit { close() }

    package var hostName: String { target.address }

    /// Connects to the agent on the manager's host, checks that it speaks this protocol, and
    /// has it resolve the manager from the conf files there.
    static func connect(
        _ entry: ManagerEntry, via target: SSHTarget, connections: SSHConnections, hooks: DebugHooks, logger: Logger
    ) throws -> RemoteManagerHost {
        let timeout = entry.overrides["timeout"].flatMap(Double.init) ?? 120
        let (session, node) = try open(entry, target: target, timeout: timeout, connections: connections, hooks: hooks)
        logger.info("\(entry.name): connected to snap agent on \(target.shown)")
        return RemoteManagerHost(
            node: node, entry: entry, target: target, session: session, connections: connections, hooks: hooks,
            logger: logger)
    }

    private static func open(
        _ entry: ManagerEntry, target: SSHTarget, timeout: Double, connections: SSHConnections, hooks: DebugHooks
    ) throws -> (SSHSession, ManagerNode) {
        let session = try SSHSession(target, timeout: timeout, connections: connections)
        let ours = hooks.agentProtocol ?? AgentProtocol.version
        let hello: AgentReply
        let opened: AgentReply
        do {
            var request = AgentRequest(.hello)
            request.protocol = ours
            request.snapVersion = ToolInfo.version
            try session.channel.send(request)
            hello = try session.channel.receive(AgentReply.self)
            if let theirs = hello.protocol, theirs != ours {
                session.close()
                throw RemoteError.protocolMismatch(
                    host: target.shown, ours: ours, ourVersion: ToolInfo.version, theirs: theirs,
                    theirVersion: hello.snapVersion ?? "unknown")
            }
            if let failure = hello.failure {
                session.close()
                throw RemoteError.refused(host: target.shown, detail: failure.message)
            }
            var open = AgentRequest(.open)
            open.entry = ManagerEntryPayload(name: entry.name, home: entry.home, overrides: entry.overrides)
            try session.channel.send(open)
            opened = try session.channel.receive(AgentReply.self)
        } catch let error as ChannelError {
            let failure = session.connectFailure(error)  // ssh's own words, read before they go
            session.close()
            throw failure
        }
        if let failure = opened.failure {
            session.close()
            throw failure.error(on: target.shown, node: entry.name)
        }
        guard let node = opened.node?.node else {
            session.close()
            throw ChannelError.garbled(peer: session.channel.peer, detail: "no node in the reply to open")
        }
        session.channel.idleLimit = node.timeout
        return (session, node)
    }

    /// Ends the session with the agent.
    func close() {
        if let session, (try? session.channel.send(AgentRequest(.bye))) != nil {
            _ = try? session.channel.receive(AgentReply.self)
        }
        session?.close()
        session = nil
    }

    // MARK: Requests

    /// Sends `request` (and the `.tar.zst` of `bundle` after it, decrypted here when it is
    /// encrypted: no identity goes to the manager's host), hands the channel to `receive`
    /// for bulk data the reply brings, and returns the reply.
    /// - Throws: the agent's failure as the coordinator would throw it at home, or
    ///   ``ChannelError`` when the connection broke (the next request connects again).
    @discardableResult
    func call(
        _ request: AgentRequest, sending bundle: BundleFile? = nil, receiving: ((FrameChannel) throws -> Void)? = nil
    ) throws -> AgentReply {
        if session == nil && request.op.isInDialog {
            // The dialog's state went with the connection that broke.
            throw HostUnreachable(host: target.shown, detail: "the connection broke during a capture")
        }
        var session = try connected()
        do {
            try session.channel.send(request)
        } catch let error as ChannelError {
            // Never delivered (ssh is gone): safe to send again on a new connection, but
            // inside a capture dialog, whose state went with the old one.
            drop(session, error, request)
            guard !request.op.isInDialog else { throw unreachable(error, request) }
            session = try connected()
            do { try session.channel.send(request) } catch let error as ChannelError {
                drop(session, error, request)
                throw unreachable(error, request)
            }
        }
        let reply: AgentReply
        do {
            if let bundle { try session.channel.sendData { try bundle.streamPayload($0) } }
            try receiving?(session.channel)
            reply = try session.channel.receive(AgentReply.self)
        } catch let error as ChannelError {
            drop(session, error, request)
            throw unreachable(error, request)
        } catch {
            // Half a stream went one way or the other: this connection is out of step.
            logger.warning("\(node.name): \(error) (during \(request.op.rawValue)); dropping the connection")
            session.close()
            self.session = nil
            throw error
        }
        if let failure = reply.failure { throw failure.error(on: target.shown, node: node.name) }
        return reply
    }

    private func drop(_ session: SSHSession, _ error: ChannelError, _ request: AgentRequest) {
        logger.warning("\(node.name): \(error) (during \(request.op.rawValue))")
        session.close()
        self.session = nil
    }

    private func unreachable(_ error: ChannelError, _ request: AgentRequest) -> HostUnreachable {
        HostUnreachable(host: target.shown, detail: "\(error) (during \(request.op.rawValue))")
    }

    /// The session, connected again if the last one broke.
    private func connected() throws -> SSHSession {
        if let session { return session }
        logger.info("\(node.name): connecting to \(target.shown) again")
        let (session, _) = try Self.open(
            entry, target: target, timeout: node.timeout, connections: connections, hooks: hooks)
        self.session = session
        return session
    }

    func request(_ op: AgentRequest.Op, _ configure: (inout AgentRequest) -> Void = { _ in }) -> AgentRequest {
        var request = AgentRequest(op)
        configure(&request)
        return request
    }

    // MARK: Launch script, dumps, console

    package func isRunning() throws -> Bool { try call(request(.isRunning)).flag ?? false }
    package func isDown() throws -> Bool { try call(request(.isDown)).flag ?? false }
    package func stop() throws { try call(request(.stop)) }
    package func start() throws { try call(request(.start)) }
    package func waitReady() throws { try call(request(.waitReady)) }

    package func dumpTables() throws -> [TableSummary] { try call(request(.dumpTables)).tables ?? [] }

    /// The snapshot's bundle goes to the host, which unpacks the dump from it (checked) and
    /// loads it: nothing but the compressed bundle crosses the network.
    package func load(dumpOf record: SnapshotRecord, from store: Store) throws {
        let bundle = try store.bundleFile(of: record).whole(in: store.bundlesDirectory)
        defer { if bundle.isTemporaryWhole { unlink(bundle.path) } }
        try call(request(.loadDump) { $0.bundle = Self.payload(bundle) }, sending: bundle)
    }

    package func removeStaleDumps() { _ = try? call(request(.removeStaleDumps)) }

    package func console(_ command: String) throws -> String {
        try call(request(.console) { $0.text = command }).text ?? ""
    }

    package func checkMnesiaDirectory(shownAs: String?) throws {
        try call(request(.checkMnesia) { $0.text = shownAs })
    }

    // MARK: Conf

    package func partnerConfFile() throws -> String { try call(request(.partnerConfFile)).text ?? "" }

    package func setPartner(_ partner: String, in file: String, backup: String) throws {
        try call(
            request(.setPartner) {
                $0.text = partner
                $0.path = file
                $0.backup = backup
            })
    }

    package func restoreConf(_ backup: ConfBackup) throws {
        try call(
            request(.restoreConf) {
                $0.path = backup.file
                $0.backup = backup.backup
            })
    }
}
