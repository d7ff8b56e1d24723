import Foundation
import Glibc

extension Agent {
    /// Carries out one request; nil when the reply was sent already (a dialog's).
    func handle(_ request: AgentRequest) throws -> AgentReply? {
        hooks.pause(before: request.op.rawValue)
        // Nothing is started for a coordinator that went away meanwhile.
        if Self.coordinatorGone() { throw ChannelError.lost(peer: channel.peer, detail: "it went away") }
        var reply = AgentReply()
        pendingStream =
            request.op == .loadDump || request.op == .unpack || (request.op == .putBack && request.bundle != nil)
        switch request.op {
        case .hello, .bye, .scan, .build, .end:
            throw AgentRefusal("\(request.op.rawValue) out of place")
        case .open:
            reply.node = ManagerNodePayload(try open(request.entry))
        case .isRunning: reply.flag = try manager().isRunning()
        case .isDown: reply.flag = try manager().isDown()
        case .stop: try manager().stop()
        case .start: try manager().start()
        case .waitReady: try manager().waitReady()
        case .dumpTables: reply.tables = try manager().dumpTables()
        case .loadDump:
            let host = try manager()
            try withReceivedBundle(request.bundle, host: host) { bundle in
                guard let bundle else { throw AgentRefusal("load without a bundle") }
                try host.load { try SnapshotContent.unpackDump(of: bundle, to: $0) }
            }
        case .removeStaleDumps: try manager().removeStaleDumps()
        case .console:
            let command = request.text ?? ""
            if homes != nil, !Self.isAllowedConsoleCommand(command) {
                throw AgentRefusal(
                    "console command \(command.debugDescription): a restricted agent sends only status "
                        + "and update-managers NODE NODE")
            }
            reply.text = try manager().console(command)
        case .checkMnesia: try manager().checkMnesiaDirectory(shownAs: request.text)
        case .capture:
            let sources = request.sources ?? CaptureSources(files: .live, dump: false)
            return try manager().withCapture(sources) { try dialog($0, dump: sources.dump) }
        case .coldCopy:
            let host = try manager()
            return try host.node.withPrivateDumpPath { path in
                try host.coldCopy(scratch: FileOps.parent(of: path)) { outcome, copy in
                    var opened = AgentReply()
                    opened.outcome = ColdCopyPayload(outcome)
                    try channel.send(opened)
                    guard let copy else { return nil }
                    return try dialog(copy, dump: false, announce: false)
                }
            }
        case .surveyMnesia: reply.target = try manager().surveyMnesia()
        case .spaceBesideMnesia:
            let space = try manager().spaceBesideMnesia()
            reply.space = FreeSpacePayload(path: space.path, available: space.available)
        case .rescue:
            let (files, bytes) = try manager().rescueMnesia(to: try rescuePath(request.path))
            (reply.files, reply.bytes) = (files, bytes)
        case .rescuedNames: reply.names = try manager().rescuedNames(in: try rescuePath(request.path))
        case .rescuedFiles:
            return try manager().withRescuedFiles(in: try rescuePath(request.path)) { try dialog($0, dump: false) }
        case .discardRescue: try manager().discardRescue(try rescuePath(request.path))
        case .unpack:
            let host = try manager()
            try withReceivedBundle(request.bundle, host: host) { bundle in
                guard let bundle, let owner = request.owner else {
                    throw AgentRefusal("unpack without a bundle or owner")
                }
                try host.unpackSnapshot(bundle, owner: owner)
            }
        case .swapIn:
            let manifest = request.bundle.flatMap { Data(base64Encoded: $0.manifest) }.map(Array.init)
            try manager().swapInStaging {
                guard let manifest else { throw RestoreCheckFailed(detail: "the snapshot's manifest was not sent") }
                return try BundleManifest.decode(manifest, source: "the coordinator's manifest")
            }
        case .putBack:
            let host = try manager()
            guard let previous = request.previous else {
                throw AgentRefusal("put back without what to put back")
            }
            try withReceivedBundle(request.bundle, host: host) { bundle in
                let files = PreviousMnesiaFiles(
                    rescue: try rescuePath(previous.rescue), original: previous.original,
                    liveWasReplaced: previous.liveWasReplaced, preRestore: nil)
                try host.putBack(files, preRestore: bundle.map { (id: previous.preRestoreId ?? "?", bundle: $0) })
            }
        case .partnerConfFile: reply.text = try manager().partnerConfFile()
        case .setPartner:
            let host = try manager()
            let file = try host.partnerConfFile()
            guard request.path == file, let backup = request.backup, isConfBackup(backup, of: file),
                let partner = request.text, Self.isNodeName(partner)
            else {
                throw AgentRefusal("set partner in \(request.path ?? "?"): not \(host.name)'s conf file")
            }
            try host.setPartner(partner, in: file, backup: backup)
        case .restoreConf:
            let host = try manager()
            guard let file = request.path, let backup = request.backup,
                Self.isInside(file, Self.realPath(host.node.home + "/etc")),
                isConfBackup(backup, of: file)
            else {
                throw AgentRefusal("restore conf \(request.path ?? "?"): outside \(host.node.home)/etc")
            }
            try host.restoreConf(ConfBackup(file: file, backup: backup))
        }
        return reply
    }

    /// Resolves the manager from its conf files here, within the served homes.
    private func open(_ payload: ManagerEntryPayload?) throws -> ManagerNode {
        guard let payload else { throw AgentRefusal("open without a manager") }
        let entry = ManagerEntry(name: payload.name, home: payload.home, overrides: payload.overrides)
        if let homes {
            let home = Self.realPath(entry.home)
            guard homes.contains(home) else {
                throw AgentRefusal("\(entry.home) is not a home this agent serves (\(homes.joined(separator: ", ")))")
            }
            for key in ["stop_command", "start_command"] where entry.overrides[key] != nil {
                throw AgentRefusal("a restricted agent runs no \(key) sent to it")
            }
            // Everything else is read from the manager's own conf here, not taken from the
            // backup host: a Mnesia directory, a console address or a node name sent to it
            // could point the agent at other files or other services.
            for key in entry.overrides.keys.sorted() where !Self.restrictedOverrides.contains(key) {
                throw AgentRefusal(
                    "a restricted agent takes \(key) from \(entry.home)/etc/leo_manager.conf, not from snap.yaml; "
                        + "remove it from the backup host's snap.yaml")
            }
        }
        let node = try ManagerNode.resolve(entry)
        if homes != nil, !Self.isInside(node.mnesiaDirectory, Self.realPath(node.home) + "/work") {
            throw AgentRefusal(
                "\(node.mnesiaDirectory) is outside \(node.home)/work, the only place a restricted agent serves")
        }
        try lock(node)
        channel.idleLimit = max(node.timeout, 30)
        host = LocalManagerHost(node, coldCopyPieceDelay: hooks.coldCopyPieceDelay, logger: logger)
        return node
    }

    /// The snap.yaml keys a restricted agent takes from the backup host: deadlines and role.
    static let restrictedOverrides: Set<String> = ["timeout", "settle", "role"]

    /// `status`, or `update-managers` with two node names: what snap sends to a console.
    static func isAllowedConsoleCommand(_ command: String) -> Bool {
        if command == "status" { return true }
        let words = command.split(separator: " ", omittingEmptySubsequences: false)
        return words.count == 3 && words[0] == "update-managers" && isNodeName(String(words[1]))
            && isNodeName(String(words[2]))
    }

    /// `name@host` of letters, digits, `_`, `-`, `.` and `:`, nothing else (no spaces, no
    /// line breaks).
    static func isNodeName(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || "_-.:".contains(c)) }
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(allowed) }
    }

    /// Holds `<home>/work/.snap-agent.lock` until this agent exits: one agent at a time works
    /// on a manager, so that one whose coordinator went away finishes before the next begins.
    private func lock(_ node: ManagerNode) throws {
        let path = node.home + "/work/.snap-agent.lock"
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open", path, .last) }
        let deadline = Date().addingTimeInterval(node.timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard Date() < deadline else {
                Glibc.close(fd)
                throw AgentRefusal("another snap agent still works on \(node.name) after \(Int(node.timeout)) s")
            }
            usleep(50_000)
        }
        lockDescriptor = fd  // released when the process exits
    }

    /// A rescue folder this manager's restores use (`<mnesia parent>/.snap-rescue-<id>`), or a refusal.
    private func rescuePath(_ path: String?) throws -> String {
        let node = try manager().node
        let parent = FileOps.parent(of: node.mnesiaDirectory)
        guard let path, FileOps.parent(of: path) == parent else {
            throw AgentRefusal("\(path ?? "?") is not a rescue folder of \(node.name)")
        }
        let name = FileOps.lastComponent(of: path)
        let id = name.dropFirst(RemoteManagerHost.rescuePrefix.count)
        guard name.hasPrefix(RemoteManagerHost.rescuePrefix), !id.isEmpty, id.allSatisfy(\.isHexDigit) else {
            throw AgentRefusal("\(path) is not a rescue folder of \(node.name)")
        }
        return path
    }

    private func isConfBackup(_ backup: String, of file: String) -> Bool {
        let suffix = backup.dropFirst(file.count + ".before-restore-".count)
        return backup.hasPrefix(file + ".before-restore-") && !suffix.isEmpty && suffix.allSatisfy(\.isHexDigit)
    }

    /// Serves a capture dialog on `bundler`: the coordinator lists and builds (as often as a
    /// live copy needs) and ends it.
    /// - Returns: the reply to `end`.
    private func dialog(_ bundler: any CaptureBundler, dump: Bool, announce: Bool = true) throws -> AgentReply {
        if announce {
            var opened = AgentReply()
            opened.text = bundler.shownAs
            if dump {
                do {
                    opened.tables = try bundler.tables()
                } catch {
                    opened.tablesFailure = RemoteFailure(error)
                }
            }
            try channel.send(opened)
        }
        var scanned: (any ScannedCapture)?
        while true {
            let request = try channel.receive(AgentRequest.self)
            var reply = AgentReply()
            switch request.op {
            case .end:
                return reply
            case .scan:
                do {
                    let listing = try bundler.scan()
                    scanned = listing
                    reply.names = listing.topLevelFiles
                    reply.signature = listing.signature
                } catch {
                    reply.failure = RemoteFailure(error)
                }
            case .build:
                reply = build(scanned, request)
            case .hello, .bye, .open, .capture, .coldCopy, .rescuedFiles:
                reply.failure = RemoteFailure(AgentRefusal("\(request.op.rawValue) inside a capture"))
            default:
                // What a capture asks of the manager meanwhile (its console's ring hashes).
                do {
                    reply = try handle(request) ?? AgentReply()
                } catch let error as ChannelError {
                    throw error
                } catch {
                    if pendingStream { try drain() }
                    reply.failure = RemoteFailure(error)
                }
            }
            try channel.send(reply)
        }
    }

    /// Builds the bundle in a private directory here and sends it; the data stream is sent
    /// (empty on failure) before the reply, as the coordinator expects.
    private func build(_ scanned: (any ScannedCapture)?, _ request: AgentRequest) -> AgentReply {
        var reply = AgentReply()
        do {
            let host = try manager()
            guard let scanned else { throw AgentRefusal("build before scan") }
            let compression = try CompressionSettings(
                level: request.compressionLevel ?? 3, threads: request.compressionThreads ?? 0)
            let built = try host.node.withPrivateDumpPath { path in
                // Plain here: the coordinator encrypts it as it arrives, so no key comes to this host.
                let built = try scanned.build(
                    in: FileOps.parent(of: path), compression: compression, recipients: [])
                defer { unlink(built.temporaryPath) }
                try channel.sendData(ofFile: built.temporaryPath)
                return built
            }
            reply.sha256 = built.sha256
            reply.size = built.size
            reply.manifest = Data(built.manifestBytes).base64EncodedString()
        } catch let error as ChannelError {
            reply.failure = RemoteFailure(error)
        } catch {
            try? channel.send(.data, UnsafeRawBufferPointer(start: nil, count: 0))
            reply.failure = RemoteFailure(error)
        }
        return reply
    }

    /// Receives bulk data into a new file at `path`, checked against `sha256`.
    private func receive(into path: String, expecting sha256: String?) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            try drain()
            throw SystemError("create", path, .last)
        }
        defer { Glibc.close(fd) }
        pendingStream = false
        let received = try channel.receiveData(into: fd, path: path)
        if fsync(fd) != 0 { throw SystemError("fsync", path, .last) }
        guard sha256 == nil || received.sha256 == sha256 else {
            throw BundleError.contentMismatch(
                path: path,
                detail: "arrived as \(received.size) bytes hashing to \(received.sha256), not \(sha256 ?? "")")
        }
    }

    /// Reads and drops a data stream that cannot be stored, keeping the channel in step.
    func drain() throws {
        pendingStream = false
        while true {
            let frame = try channel.receive()
            if frame.kind == .data && frame.payload.isEmpty { return }
        }
    }

    /// Receives the bundle that follows a request (when `payload` announces one) into a
    /// private directory of the manager's, hands it to `body`, and removes it.
    private func withReceivedBundle(
        _ payload: BundlePayload?, host: LocalManagerHost, _ body: (BundleFile?) throws -> Void
    ) throws {
        guard let payload else { return try body(nil) }
        try host.node.withPrivateDumpPath { path in
            let file = FileOps.parent(of: path) + "/bundle.tar.zst"
            try receive(into: file, expecting: payload.sha256)
            guard let bytes = Data(base64Encoded: payload.manifest).map(Array.init) else {
                throw AgentRefusal("a manifest that is not base64")
            }
            let manifest = try BundleManifest.decode(bytes, source: "the coordinator's manifest")
            try body(BundleFile(path: file, sha256: payload.sha256, manifest: manifest, manifestBytes: bytes))
        }
    }
}

extension ColdCopyPayload {
    init(_ outcome: ColdCopyOutcome) {
        func failure(_ result: Result<Void, any Error>) -> RemoteFailure? {
            if case let .failure(error) = result { return RemoteFailure(error) }
            return nil
        }
        self.init(
            stopped: failure(outcome.stopped), copied: failure(outcome.copied), started: failure(outcome.started),
            copyAbandoned: outcome.copyAbandoned, stopSeconds: outcome.stopSeconds, copySeconds: outcome.copySeconds,
            startSeconds: outcome.startSeconds)
    }
}

/// A request the agent does not carry out: outside the homes it serves, or out of place.
struct AgentRefusal: SnapFailure {
    var detail: String

    init(_ detail: String) { self.detail = detail }

    var description: String { "the agent refused: \(detail)" }
}
