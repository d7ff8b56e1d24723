import Foundation
import Glibc
import Logging
import Synchronization

/// How to capture a live manager (`snap create --mode`).
public enum LiveCaptureMode: String, Sendable, CaseIterable {
    /// Running: `files` + `dump`; stopped: a plain copy without starting it.
    case auto
    /// Hot copy of the running node's Mnesia directory, accepted only if nothing moved.
    case files
    /// `dump-mnesia-data` only.
    case dump
    /// Stop, confirm down, copy, start again (always), wait until ready.
    case cold
}

/// Captures a configured, possibly running, manager into a snapshot.
public struct LiveCapture {
    /// How many times a hot copy is tried before giving up.
    public static let hotCopyAttempts = 3

    public var store: LockedStore
    public var control: ManagerControl
    public var compression: CompressionSettings

    public init(store: LockedStore, control: ManagerControl, compression: CompressionSettings) {
        self.store = store
        self.control = control
        self.compression = compression
    }

    private var logger: Logger { store.logger }

    private var node: ManagerNode { control.node }

    /// Captures `node` in `mode` and records the snapshot.
    ///
    /// Every mode that copies files first checks that the Mnesia directory holds a schema
    /// and table files (``MnesiaDirectoryCheck``), before the node is stopped or dumped; a
    /// cold copy is checked again. `requiresMnesiaSchema: false` archives it as it is.
    /// - Throws: ``CaptureError`` naming the node and the step that failed, or
    ///   ``IncompleteMnesiaDirectory`` (the node left as it was).
    public func capture(
        mode: LiveCaptureMode, tags: [String], note: String?, cluster: String?, requiresMnesiaSchema: Bool = true
    ) throws -> SnapshotRecord {
        node.removeStaleDumpDirectories()
        let running = try step("ping") { try control.isRunning() }
        // The last safe point before a cold capture stops the node.
        try Interruption.check(leaving: "\(node.name) was not touched; no snapshot of it was recorded")
        var request = CaptureRequest(
            node: node.name, sources: BundleSources(mnesiaDirectory: nil), mode: .files, tags: tags, note: note,
            role: node.role, cluster: node.cluster ?? cluster, partner: node.partner, compression: compression)
        request.nodename = node.nodename
        request.requiresMnesiaSchema = requiresMnesiaSchema
        // Before anything is stopped or dumped (`files` on a stopped node is refused below as such).
        if requiresMnesiaSchema && mode != .dump && (running || mode != .files) {
            try MnesiaDirectoryCheck.require(node.mnesiaDirectory, node: node.name)
        }
        switch (mode, running) {
        case (.files, false), (.dump, false):
            throw CaptureError(
                node: node.name, step: mode.rawValue, cause: LeoFSError.notRunning(node: node.name, step: mode.rawValue)
            )
        case (.files, true):
            request.mode = .files
            return try hotCopy(request)
        case (.dump, true):
            request.mode = .dump
            return try withDump(request) { try record($0) }
        case (.auto, true):
            request.mode = .filesAndDump
            return try withDump(request) { try hotCopy($0) }
        case (.auto, false), (.cold, false):
            request.mode = .cold
            request.sources.mnesiaDirectory = node.mnesiaDirectory
            // Nobody should start the node meanwhile; if someone does, the copy is refused.
            request.sources.stableFor = 0
            return try record(request)
        case (.cold, true):
            request.mode = .cold
            return try coldCopy(request)
        }
    }

    /// Bundles the live Mnesia directory, retrying while files move under the copy.
    private func hotCopy(_ request: CaptureRequest) throws -> SnapshotRecord {
        var request = request
        request.sources.mnesiaDirectory = node.mnesiaDirectory
        request.sources.stableFor = node.settle
        var lastChange: BundleError?
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
            cause: HotCopyUnstable(attempts: Self.hotCopyAttempts, last: lastChange?.description ?? "files changed"))
    }

    /// Stops the node, copies its Mnesia directory aside, and starts it again whatever
    /// happened to the stop or the copy; the copy is compressed after the node is back.
    private func coldCopy(_ request: CaptureRequest) throws -> SnapshotRecord {
        let staging = store.store.root + "/" + FileOps.temporaryPrefix + "cold-" + FileOps.randomHex(bytes: 6)
        var copyAbandoned = false  // then its thread removes the staging directory, or the next writer does
        defer { if !copyAbandoned { try? FileOps.removeTree(staging) } }
        // A stop that failed or hung may still have taken the node down: it is started
        // again all the same (`start` on a running node is harmless).
        let down = Date()
        let stopped = Result { try control.stop() }
        let copying = Date()
        let copied = stopped.flatMap { copyAside(to: staging) }
        if case let .failure(error) = copied, error is ColdCopyTimedOut { copyAbandoned = true }
        let starting = Date()
        do {
            try step("start") { try control.startAndWait() }
        } catch var error as CaptureError {
            error.coldCopyHung = copyAbandoned
            throw error
        }
        if case let .failure(error) = stopped { throw CaptureError(node: node.name, step: "stop", cause: error) }
        if case let .failure(error) = copied {
            throw CaptureError(node: node.name, step: "cold copy", cause: error, coldCopyHung: copyAbandoned)
        }
        // The first safe point since the stop: a signal that came while the node was down
        // waited for it to be running again. The copy is dropped, not compressed: the
        // operator asked to stop, and the node is back.
        try Interruption.check(
            leaving: "\(node.name) was stopped, copied and started again, and is running; "
                + "no snapshot of it was recorded")
        if request.requiresMnesiaSchema {
            // Checked before the stop too; this is what is archived.
            try MnesiaDirectoryCheck.require(
                staging, node: node.name, shownAs: "\(node.mnesiaDirectory), as copied with the node stopped,")
        }
        var request = request
        let up = Date()
        request.downtimeSeconds = Self.milliseconds(up.timeIntervalSince(down))
        // The node's own stop and start take nearly all of it; the copy is snap's share.
        logger.info(
            """
            \(node.name) was down for \(request.downtimeSeconds ?? 0) s: stop \(Self.milliseconds(copying.timeIntervalSince(down))) s, \
            copy \(Self.milliseconds(starting.timeIntervalSince(copying))) s, \
            start and wait_ready \(Self.milliseconds(up.timeIntervalSince(starting))) s
            """)
        request.sources.mnesiaDirectory = staging
        do {
            return try record(request)
        } catch let interrupted as Interrupted {
            throw interrupted.leaving("\(node.name) is running again; \(interrupted.state)")
        }
    }

    /// Copies the stopped node's Mnesia directory to `staging` on a thread of its own, and
    /// abandons it once it copied nothing for the manager's `timeout`: a big directory on a
    /// slow disk may take longer than that, a copy stuck on a hung disk must not keep the
    /// node down. An abandoned copy's thread stops at its next piece and removes `staging`;
    /// one that never comes back leaves it to the next writer's cleanup.
    private func copyAside(to staging: String) -> Result<Void, any Error> {
        let source = node.mnesiaDirectory
        let watch = CopyWatch(
            pieceDelay: store.invocation.hooks.coldCopyPieceDelay)
        let copy = BackgroundWork(name: "snap-cold-copy") {
            defer { if !watch.finish() { try? FileOps.removeTree(staging) } }
            try FileOps.copyTree(from: source, to: staging, progress: watch.advance)
        }
        return Result {
            while try copy.value(waitingAtMost: max(watch.secondsLeft(of: node.timeout), 0)) == nil {
                guard watch.secondsLeft(of: node.timeout) <= 0 else { continue }
                if watch.abandon() { throw ColdCopyTimedOut(directory: source, seconds: node.timeout) }
                _ = try copy.value()  // it ended as it was given up on: its outcome stands
                return
            }
        }
    }

    /// Runs `dump-mnesia-data` into a private directory the node's user can write, parses
    /// it for the table summary, and hands the request on with the dump attached.
    private func withDump(_ request: CaptureRequest, _ body: (CaptureRequest) throws -> SnapshotRecord) throws
        -> SnapshotRecord
    {
        // Failures to make the directory belong to the dump step; the body's own errors pass through.
        try step("dump-mnesia-data") {
            try node.withPrivateDumpPath { path in
                try step("dump-mnesia-data") { try control.dump(to: path) }
                var request = request
                request.tables = try step("parse dump") { try MnesiaDump.parse(contentsOf: path).summaries }
                request.sources.dumpFile = path
                return try body(request)
            }
        }
    }

    private func record(_ request: CaptureRequest) throws -> SnapshotRecord {
        var request = request
        request.ringHashes = ringHashes()
        return try SnapshotRecorder.record(request, in: store)
    }

    /// The console's ring hashes, or nil (with a warning) when it does not answer.
    private func ringHashes() -> SnapshotRecord.RingHashes? {
        do {
            let status = ClusterStatus(parsing: try ConsoleClient(node).send("status"))
            guard status.currentRingHash != nil || status.previousRingHash != nil else { return nil }
            return .init(current: status.currentRingHash, previous: status.previousRingHash)
        } catch {
            logger.warning("\(node.name): no ring hashes recorded: \(error)")
            return nil
        }
    }

    /// Seconds to the millisecond, as records and logs show them.
    private static func milliseconds(_ seconds: TimeInterval) -> Double { (seconds * 1000).rounded() / 1000 }

    private func step<T>(_ name: String, _ body: () throws -> T) throws -> T {
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

/// A cold copy copied nothing for the manager's `timeout`; the node was started again
/// without a snapshot.
public struct ColdCopyTimedOut: SnapFailure {
    public var directory: String
    public var seconds: Double

    public var description: String {
        "copying \(directory) made no progress for \(seconds.formatted()) s (the manager's timeout), so the node was "
            + "started again without a snapshot; check the disks of the Mnesia directory and of the store"
    }
}

/// What a cold copy's thread and the thread waiting for it share: when the last piece was
/// copied, and whether the copy is running, finished, or was given up on (set once, by
/// whichever side gets there first, so exactly one of them owns the staging directory).
private final class CopyWatch: Sendable {
    private static let running = 0
    private static let finished = 1
    private static let abandoned = 2
    private let state = Atomic(CopyWatch.running)
    /// `DispatchTime` nanoseconds of the copy's start or its last piece.
    private let lastPiece = Atomic(DispatchTime.now().uptimeNanoseconds)
    /// Test-only: the copy sleeps this long after each piece of a file, as a slow disk (a
    /// little) or a hung one (a lot) would.
    private let pieceDelay: Double?

    init(pieceDelay: Double?) { self.pieceDelay = pieceDelay }

    /// Seconds until the copy has copied nothing for `timeout`.
    func secondsLeft(of timeout: Double) -> Double {
        let idle = DispatchTime.now().uptimeNanoseconds &- lastPiece.load(ordering: .acquiring)
        return timeout - Double(idle) / 1e9
    }

    /// Counts a piece copied (`bytes` of a file, 0 for a directory or link).
    /// - Throws: ``CancellationError`` once the copy is given up on.
    func advance(_ bytes: Int) throws {
        if let pieceDelay, bytes > 0 { Thread.sleep(forTimeInterval: pieceDelay) }
        guard state.load(ordering: .acquiring) == Self.running else { throw CancellationError() }
        lastPiece.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
    }

    /// Called by the copy when it ends. - Returns: false if it was given up on first.
    func finish() -> Bool {
        state.compareExchange(expected: Self.running, desired: Self.finished, ordering: .acquiringAndReleasing)
            .exchanged
    }

    /// Called by the waiter. - Returns: false if the copy ended first.
    func abandon() -> Bool {
        state.compareExchange(expected: Self.running, desired: Self.abandoned, ordering: .acquiringAndReleasing)
            .exchanged
    }
}

/// A capture of one manager failed at a named step.
public struct CaptureError: SnapFailure {
    public var node: String
    public var step: String
    public var cause: any Error
    /// The node's cold copy was abandoned, hung: whatever failed after it (the start), the
    /// disks it needs may be hung too.
    public var coldCopyHung = false

    public var description: String {
        let text = "\(cause)"
        return text.hasPrefix(node + ":") ? "\(step): \(text)" : "\(node): \(step): \(text)"
    }
}

/// Files kept changing during every hot copy attempt.
public struct HotCopyUnstable: SnapFailure {
    public var attempts: Int
    public var last: String
    public var description: String {
        "files changed during all \(attempts) copy attempts (last: \(last)); retry at a quieter time or use --mode cold"
    }
}
