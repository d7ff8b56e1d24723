import Foundation
import Glibc
import Logging

/// Captures a configured, possibly running, manager into a snapshot.
package struct LiveCapture {
    /// How many times a hot copy is tried before giving up.
    package static let hotCopyAttempts = 3

    package var store: LockedStore
    /// The manager captured, reached only through this seam.
    package var host: any ManagerHost
    package var compression: CompressionSettings
    /// The policy's `delta:`; nil writes whole bundles.
    package var delta: DeltaSettings?

    package init(
        store: LockedStore, host: any ManagerHost, compression: CompressionSettings, delta: DeltaSettings? = nil
    ) {
        self.store = store
        self.host = host
        self.compression = compression
        self.delta = delta
    }

    var logger: Logger { store.logger }

    var node: ManagerNode { host.node }

    /// Captures `node` in `mode` and records the snapshot.
    ///
    /// Every mode that copies files first checks that the Mnesia directory holds a schema
    /// and table files (``MnesiaDirectoryCheck``), before the node is stopped or dumped; a
    /// cold copy is checked again. `requiresMnesiaSchema: false` archives it as it is.
    /// - Throws: ``CaptureError`` naming the node and the step that failed, or
    ///   ``IncompleteMnesiaDirectory`` (the node left as it was).
    package func capture(
        mode: SnapshotRecord.CaptureMode.Requested, tags: [String], note: String?, cluster: String?,
        requiresMnesiaSchema: Bool = true
    ) throws -> SnapshotRecord {
        host.removeStaleDumps()
        let running = try step("ping") { try host.isRunning() }
        // The last safe point before a cold capture stops the node.
        try Interruption.check(leaving: "\(node.name) was not touched; no snapshot of it was recorded")
        guard let recorded = mode.recorded(running: running) else {
            throw CaptureError(
                node: node.name, step: mode.rawValue, cause: LeoFSError.notRunning(node: node.name, step: mode.rawValue)
            )
        }
        var request = CaptureRequest(
            node: node.name, bundler: LocalBundler(BundleSources(mnesiaDirectory: nil)), mode: recorded, tags: tags,
            note: note, role: node.role, cluster: node.cluster ?? cluster, partner: node.partner,
            compression: compression)
        request.delta = delta
        request.nodename = node.nodename
        request.host = host.hostName
        request.requiresMnesiaSchema = requiresMnesiaSchema
        // Before anything is stopped or dumped.
        if requiresMnesiaSchema && recorded != .dump { try host.checkMnesiaDirectory() }
        // Read first: LeoFS records each console command in a table of its own, so a
        // `status` between the dump and the copy would make the two halves differ.
        request.ringHashes = ringHashes()
        switch recorded {
        case .files:
            return try hotCopy(request, dump: false)
        case .dump:
            return try withDump(request) { try record($0) }
        case .filesAndDump:
            return try hotCopy(request, dump: true)
        case .cold where running:
            return try coldCopy(request)
        case .cold, .fromDir:  // a stopped node (`from-dir` is never asked of a live one)
            // Nobody should start the node meanwhile; if someone does, the copy is refused.
            return try host.withCapture(CaptureSources(files: .stopped, dump: false)) { bundler in
                request.sources = bundler
                return try record(request)
            }
        }
    }

    /// Bundles the live Mnesia directory (with a fresh dump, made once), retrying while
    /// files move under the copy.
    private func hotCopy(_ request: CaptureRequest, dump: Bool) throws -> SnapshotRecord {
        var lastChange: BundleError?
        let sources = CaptureSources(files: .live, dump: dump)
        let attempts = { (request: CaptureRequest) throws -> SnapshotRecord in
            for attempt in 1...Self.hotCopyAttempts {
                do {
                    return try record(request)
                } catch let error as BundleError {
                    guard case .fileChanged = error else {
                        throw CaptureError(node: node.name, step: "files copy", cause: error)
                    }
                    logger.info("\(node.name): \(error) (attempt \(attempt) of \(Self.hotCopyAttempts))")
                    lastChange = error
                    usleep(200_000 * UInt32(attempt))
                }
            }
            throw CaptureError(
                node: node.name, step: "files copy",
                cause: HotCopyUnstable(attempts: Self.hotCopyAttempts, last: lastChange?.description ?? "files changed")
            )
        }
        guard dump else {
            return try host.withCapture(sources) { bundler in
                var request = request
                request.sources = bundler
                return try attempts(request)
            }
        }
        return try withDump(request, sources: sources, attempts)
    }

    /// Runs `dump-mnesia-data` into a private file on the manager's host, has it parsed
    /// there for the table summary, and hands the request on with the dump attached.
    private func withDump(
        _ request: CaptureRequest, sources: CaptureSources = CaptureSources(files: nil, dump: true),
        _ body: (CaptureRequest) throws -> SnapshotRecord
    ) throws -> SnapshotRecord {
        // Failures to make the dump belong to the dump step; the body's own errors pass through.
        try step("dump-mnesia-data") {
            try host.withCapture(sources) { bundler in
                var request = request
                request.tables = try step("parse dump") { try bundler.tables() }
                request.sources = bundler
                return try body(request)
            }
        }
    }

    func record(_ request: CaptureRequest) throws -> SnapshotRecord {
        try SnapshotRecorder.record(request, in: store)
    }

    /// The console's ring hashes, or nil (with a warning) when it does not answer.
    private func ringHashes() -> SnapshotRecord.RingHashes? {
        do {
            let status = ClusterStatus(parsing: try host.console("status"))
            guard status.currentRingHash != nil || status.previousRingHash != nil else { return nil }
            return .init(current: status.currentRingHash, previous: status.previousRingHash)
        } catch {
            logger.warning("\(node.name): no ring hashes recorded: \(error)")
            return nil
        }
    }

    /// Runs `body`, naming `name` as the step of any failure that does not name one yet.
    func step<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CaptureError {
            throw error
        } catch let interrupted as Interrupted {
            throw interrupted
        } catch {
            throw CaptureError(node: node.name, step: name, cause: error)
        }
    }
}
