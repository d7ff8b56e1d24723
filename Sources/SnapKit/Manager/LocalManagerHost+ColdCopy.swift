import Foundation
import Synchronization

extension LocalManagerHost {
    package func coldCopy<T>(scratch: String, _ body: (ColdCopyOutcome, (any CaptureBundler)?) throws -> T) throws
        -> T
    {
        let staging = scratch + "/" + FileOps.temporaryPrefix + "cold-" + FileOps.randomHex(bytes: 6)
        let outcome = coldCopy(into: staging)
        // An abandoned copy's thread removes the staging directory, or the next writer does.
        defer { if !outcome.copyAbandoned { try? FileOps.removeTree(staging) } }
        let copy = (try? outcome.copied.get()).map {
            LocalBundler(
                BundleSources(mnesiaDirectory: staging),
                shownAs: "\(node.mnesiaDirectory), as copied with the node stopped,")
        }
        return try body(outcome, copy)
    }

    /// Stops the node, copies its Mnesia directory into `directory` (new), and starts it
    /// again whatever happened to the stop or the copy.
    func coldCopy(into directory: String) -> ColdCopyOutcome {
        // A stop that failed or hung may still have taken the node down: it is started
        // again all the same (`start` on a running node is harmless).
        let down = Date()
        let stopped = Result { try control.stop() }
        let copying = Date()
        let copied = stopped.flatMap { copyAside(to: directory) }
        let starting = Date()
        let started = Result { try control.startAndWait() }
        var abandoned = false
        if case let .failure(error) = copied, error is ColdCopyTimedOut { abandoned = true }
        return ColdCopyOutcome(
            stopped: stopped, copied: copied, started: started, copyAbandoned: abandoned,
            stopSeconds: copying.timeIntervalSince(down), copySeconds: starting.timeIntervalSince(copying),
            startSeconds: Date().timeIntervalSince(starting))
    }

    /// Copies the stopped node's Mnesia directory to `staging` on a thread of its own, and
    /// abandons it once it copied nothing for the manager's `timeout`: a big directory on a
    /// slow disk may take longer than that, a copy stuck on a hung disk must not keep the
    /// node down. An abandoned copy's thread stops at its next piece and removes `staging`;
    /// one that never comes back leaves it to the next writer's cleanup.
    private func copyAside(to staging: String) -> Result<Void, any Error> {
        let source = node.mnesiaDirectory
        let watch = CopyWatch(pieceDelay: coldCopyPieceDelay)
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
