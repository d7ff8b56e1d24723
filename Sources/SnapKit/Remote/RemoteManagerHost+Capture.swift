import Foundation
import Glibc

extension RemoteManagerHost {
    package func withCapture<T>(_ sources: CaptureSources, _ body: (any CaptureBundler) throws -> T) throws -> T {
        let reply = try call(request(.capture) { $0.sources = sources })
        return try dialog(reply, body)
    }

    package func coldCopy<T>(scratch: String, _ body: (ColdCopyOutcome, (any CaptureBundler)?) throws -> T) throws
        -> T
    {
        let reply = try call(request(.coldCopy) { $0.pieceDelay = hooks.coldCopyPieceDelay })
        guard let payload = reply.outcome else {
            throw RemoteError.failed(host: target.shown, message: "no outcome in the cold copy's reply", status: 1)
        }
        func result(_ failure: RemoteFailure?) -> Result<Void, any Error> {
            failure.map { .failure($0.error(on: target.shown, node: node.name)) } ?? .success(())
        }
        let outcome = ColdCopyOutcome(
            stopped: result(payload.stopped), copied: result(payload.copied), started: result(payload.started),
            copyAbandoned: payload.copyAbandoned, stopSeconds: payload.stopSeconds, copySeconds: payload.copySeconds,
            startSeconds: payload.startSeconds)
        // The agent holds a copy (and waits in its dialog) only when the copy succeeded.
        guard payload.copied == nil else { return try body(outcome, nil) }
        return try dialog(reply) { try body(outcome, $0) }
    }

    package func withRescuedFiles<T>(in rescue: String, _ body: (any CaptureBundler) throws -> T) throws -> T {
        let reply = try call(request(.rescuedFiles) { $0.path = rescue })
        return try dialog(reply, body)
    }

    /// Runs `body` while the agent waits in a capture dialog, and ends the dialog (the agent
    /// then removes its dump or copy) however `body` ends.
    private func dialog<T>(_ opened: AgentReply, _ body: (any CaptureBundler) throws -> T) throws -> T {
        let bundler = RemoteBundler(
            host: self, shownAs: opened.text, tables: opened.tables, failure: opened.tablesFailure)
        defer { _ = try? call(request(.end)) }
        return try body(bundler)
    }
}

/// Sources on a manager's host: listed and bundled there, the bundle streamed back.
struct RemoteBundler: CaptureBundler, @unchecked Sendable {
    // The host is driven by one thread at a time; the summary is fixed at creation.
    let host: RemoteManagerHost
    let shownAs: String?
    let summary: [TableSummary]?
    let failure: RemoteFailure?

    init(host: RemoteManagerHost, shownAs: String?, tables: [TableSummary]?, failure: RemoteFailure?) {
        self.host = host
        self.shownAs = shownAs
        self.summary = tables
        self.failure = failure
    }

    func tables() throws -> [TableSummary]? {
        if let failure { throw failure.error(on: host.target.shown, node: host.node.name) }
        return summary
    }

    func scan() throws -> any ScannedCapture {
        let reply = try host.call(host.request(.scan))
        return RemoteScan(host: host, topLevelFiles: reply.names ?? [], signature: reply.signature)
    }
}

private struct RemoteScan: ScannedCapture {
    let host: RemoteManagerHost
    let topLevelFiles: [String]
    let signature: String?

    /// The agent sends the plain bundle (over SSH); it is encrypted here as it arrives, so
    /// the manager's host needs no key and the store never holds it in plain.
    func build(in directory: String, compression: CompressionSettings, recipients: [AgeRecipient]) throws
        -> BuiltBundle
    {
        let output = try FileOps.createTemporary(in: directory)
        var received: (sha256: String, size: Int64)?
        var stored: (sha256: String, size: Int64, encryption: BundleEncryption?)?
        do {
            let reply = try output.descriptor.closeAfter {
                let sink = try SealingSink(descriptor: output.descriptor, path: output.path, recipients: recipients)
                let reply = try host.call(
                    host.request(.build) {
                        $0.compressionLevel = compression.level
                        $0.compressionThreads = compression.threads
                    },
                    receiving: { channel in received = try channel.receiveData(sink.write) })
                stored = try sink.finish()
                try FileOps.sync(output.descriptor, path: output.path)
                return reply
            }
            guard let received, let stored, let sha256 = reply.sha256, let text = reply.manifest,
                let manifestBytes = Data(base64Encoded: text).map(Array.init)
            else {
                throw RemoteError.failed(
                    host: host.target.shown, message: "the bundle's reply lacks its hash or manifest", status: 1)
            }
            guard received.sha256 == sha256, received.size == reply.size else {
                throw RemoteError.failed(
                    host: host.target.shown,
                    message: "the bundle arrived damaged: \(received.size) bytes hashing to \(received.sha256), "
                        + "sent as \(reply.size ?? -1) bytes hashing to \(sha256)", status: ExitStatus.error.rawValue)
            }
            let manifest = try BundleManifest.decode(manifestBytes, source: "the bundle from \(host.target.shown)")
            return BuiltBundle(
                temporaryPath: output.path, sha256: stored.sha256, size: stored.size, encryption: stored.encryption,
                manifest: manifest, manifestBytes: manifestBytes)
        } catch {
            unlink(output.path)
            throw error
        }
    }
}
