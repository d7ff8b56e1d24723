import Foundation

/// The protocol between snap on the backup host and `snap agent` on a manager's host.
///
/// Over the SSH channel's stdin and stdout (``FrameChannel``): the coordinator sends one
/// request at a time and reads its reply; a reply may be preceded by bulk data, and a capture
/// or a rescue opens a dialog of its own (scan, build, end) inside one request. The version
/// is bumped whenever a message changes meaning; both ends refuse a peer of another.
package enum AgentProtocol {
    /// The version this snap speaks.
    package static let version = 1
}

/// A request to the agent: `op` and the arguments that operation takes.
struct AgentRequest: Codable, Sendable {
    var op: Op
    var `protocol`: Int?
    var snapVersion: String?
    var entry: ManagerEntryPayload?
    var sources: CaptureSources?
    var text: String?
    var path: String?
    var backup: String?
    var owner: TargetDirectory?
    var bundle: BundlePayload?
    var compressionLevel: Int?
    var compressionThreads: Int?
    var previous: PreviousPayload?
    var pieceDelay: Double?

    init(_ op: Op) { self.op = op }

    enum Op: String, Codable, Sendable {
        case hello, open, bye
        case isRunning, isDown, stop, start, waitReady
        case dumpTables, loadDump, removeStaleDumps, console, checkMnesia
        case capture, coldCopy, scan, build, end
        case surveyMnesia, spaceBesideMnesia, rescue, rescuedNames, rescuedFiles, discardRescue
        case unpack, swapIn, putBack
        case partnerConfFile, setPartner, restoreConf

        /// Requests that belong to a capture dialog: they mean nothing on a new connection.
        var isInDialog: Bool {
            [.capture, .coldCopy, .rescuedFiles, .scan, .build, .end].contains(self)
        }
    }
}

/// A manager's snap.yaml entry as the agent resolves it on its host.
struct ManagerEntryPayload: Codable, Sendable {
    var name: String
    var home: String
    var overrides: [String: String]
}

/// A bundle on its way to the agent: what it must hash to and hold.
struct BundlePayload: Codable, Sendable {
    var sha256: String
    /// The trusted manifest's bytes, base64.
    var manifest: String
}

/// ``PreviousMnesiaFiles`` on the wire; a pre-restore bundle follows when one is needed.
struct PreviousPayload: Codable, Sendable {
    var rescue: String
    var original: TargetDirectory
    var liveWasReplaced: Bool
    var preRestoreId: String?
}

/// The agent's reply: the fields the request's operation returns, or `failure`.
struct AgentReply: Codable, Sendable {
    var failure: RemoteFailure?
    var `protocol`: Int?
    var snapVersion: String?
    var hostName: String?
    var node: ManagerNodePayload?
    var flag: Bool?
    var text: String?
    var names: [String]?
    var tables: [TableSummary]?
    var tablesFailure: RemoteFailure?
    var files: Int?
    var bytes: Int64?
    var target: TargetDirectory?
    var space: FreeSpacePayload?
    var signature: String?
    var sha256: String?
    var size: Int64?
    var manifest: String?
    var outcome: ColdCopyPayload?

    init() {}

    init(failure: RemoteFailure) { self.failure = failure }
}

/// ``ManagerNode`` on the wire.
struct ManagerNodePayload: Codable, Sendable {
    var name, home, nodename, mnesiaDirectory, consoleHost: String
    var partner, role, cookie, cluster: String?
    var consolePort: Int
    var timeout, settle: Double

    init(_ node: ManagerNode) {
        (name, home, nodename, mnesiaDirectory, consoleHost) = (
            node.name, node.home, node.nodename, node.mnesiaDirectory, node.consoleHost
        )
        (partner, role, cookie, cluster) = (node.partner, node.role, node.cookie, node.cluster)
        (consolePort, timeout, settle) = (node.consolePort, node.timeout, node.settle)
    }

    var node: ManagerNode {
        ManagerNode(
            name: name, home: home, nodename: nodename, partner: partner, role: role, mnesiaDirectory: mnesiaDirectory,
            consoleHost: consoleHost, consolePort: consolePort, cookie: cookie, cluster: cluster, timeout: timeout,
            settle: settle)
    }
}

struct FreeSpacePayload: Codable, Sendable {
    var path: String
    var available: Int64
}

/// ``ColdCopyOutcome`` on the wire: each part's failure as the agent described it.
struct ColdCopyPayload: Codable, Sendable {
    var stopped, copied, started: RemoteFailure?
    var copyAbandoned: Bool
    var stopSeconds, copySeconds, startSeconds: Double
}

/// A failure on the manager's host, carried back with what the coordinator needs to act on
/// it as it would on the same failure at home: its words, its exit status, and for the few
/// failures a caller tells apart, their kind and details.
package struct RemoteFailure: Codable, Sendable, Equatable {
    package enum Kind: String, Codable, Sendable {
        case other, fileChanged, incompleteMnesia, interrupted, restoreCheck, stillRunning
    }

    var kind: Kind
    var message: String
    var exitStatus: Int32
    var path: String?
    var signal: Int32?
    var missingSchema: Bool?
    var missingTables: Bool?

    /// Describes `error` for the wire.
    init(_ error: any Error) {
        message = (error as? any SnapFailure)?.description ?? "\(error)"
        exitStatus = (error as? any SnapFailure)?.exitStatus.rawValue ?? ExitStatus.error.rawValue
        kind = .other
        switch error {
        case BundleError.fileChanged(let path):
            kind = .fileChanged
            self.path = path
        case let error as IncompleteMnesiaDirectory:
            kind = .incompleteMnesia
            path = error.directory
            missingSchema = error.missing.schema
            missingTables = error.missing.tableFiles
        case let error as Interrupted:
            kind = .interrupted
            signal = error.signal
            message = error.state
        case is RestoreCheckFailed: kind = .restoreCheck
        case LeoFSError.stillRunning: kind = .stillRunning
        default: break
        }
    }

    /// The failure as the coordinator throws it; `host` names where it happened.
    func error(on host: String, node: String) -> any Error {
        switch kind {
        case .fileChanged: return BundleError.fileChanged(path: path ?? message)
        case .incompleteMnesia:
            return IncompleteMnesiaDirectory(
                node: node, directory: path ?? "",
                missing: .init(schema: missingSchema ?? true, tableFiles: missingTables ?? true))
        case .interrupted: return Interrupted(signal: signal ?? SIGTERM, state: "on \(host): \(message)")
        case .restoreCheck: return RestoreCheckFailed(detail: "on \(host): \(message)")
        case .stillRunning: return LeoFSError.stillRunning(node: node)
        case .other: return RemoteError.failed(host: host, message: message, status: exitStatus)
        }
    }
}

/// Failures reaching or talking to a manager's host.
package enum RemoteError: SnapFailure, Equatable {
    /// An operation failed on the host; `message` is the agent's own line.
    case failed(host: String, message: String, status: Int32)
    /// The host's key is not the one known_hosts has, or known_hosts has none.
    case hostKey(host: String, detail: String)
    /// The two ends speak different protocol versions.
    case protocolMismatch(host: String, ours: Int, ourVersion: String, theirs: Int, theirVersion: String)
    /// The agent refused the request (outside the homes it serves, a command it does not run).
    case refused(host: String, detail: String)

    package var description: String {
        switch self {
        case let .failed(host, message, _): return "on \(host): \(message)"
        case let .hostKey(host, detail): return "refusing \(host): \(detail)"
        case let .protocolMismatch(host, ours, ourVersion, theirs, theirVersion):
            let older = ours < theirs ? "this host (backup host, snap \(ourVersion))" : "\(host) (snap \(theirVersion))"
            return "snap \(ourVersion) speaks agent protocol \(ours), but the agent on \(host) is snap "
                + "\(theirVersion) speaking protocol \(theirs); upgrade snap on \(older) so both are the same version"
        case let .refused(host, detail): return "on \(host): \(detail)"
        }
    }

    package var exitStatus: ExitStatus {
        switch self {
        case let .failed(_, _, status): return ExitStatus(rawValue: status) ?? .error
        default: return .error
        }
    }
}
