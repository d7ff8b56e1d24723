import Foundation
import Logging

extension LiveCapture {
    /// Stops the node, has its Mnesia directory copied aside, and has it started again
    /// whatever happened to the stop or the copy; the copy is compressed after the node is back.
    func coldCopy(_ request: CaptureRequest) throws -> SnapshotRecord {
        try host.coldCopy(scratch: store.store.root) { outcome, copy in
            do {
                try step("start") { try outcome.started.get() }
            } catch var error as CaptureError {
                error.coldCopyHung = outcome.copyAbandoned
                throw error
            }
            if case let .failure(error) = outcome.stopped {
                throw CaptureError(node: node.name, step: "stop", cause: error)
            }
            if case let .failure(error) = outcome.copied {
                throw CaptureError(
                    node: node.name, step: "cold copy", cause: error, coldCopyHung: outcome.copyAbandoned)
            }
            guard let copy else {
                throw CaptureError(
                    node: node.name, step: "cold copy", cause: LeoFSError.notRunning(node: node.name, step: "cold copy")
                )
            }
            // The first safe point since the stop: a signal that came while the node was down
            // waited for it to be running again. The copy is dropped, not compressed: the
            // operator asked to stop, and the node is back.
            try Interruption.check(
                leaving: "\(node.name) was stopped, copied and started again, and is running; "
                    + "no snapshot of it was recorded")
            var request = request
            request.sources = copy
            request.downtimeSeconds = Self.milliseconds(
                outcome.stopSeconds + outcome.copySeconds + outcome.startSeconds)
            // The node's own stop and start take nearly all of it; the copy is snap's share.
            logger.info(
                """
                \(node.name) was down for \(request.downtimeSeconds ?? 0) s: stop \(Self.milliseconds(outcome.stopSeconds)) s, \
                copy \(Self.milliseconds(outcome.copySeconds)) s, \
                start and wait_ready \(Self.milliseconds(outcome.startSeconds)) s
                """)
            do {
                return try record(request)
            } catch let interrupted as Interrupted {
                throw interrupted.leaving("\(node.name) is running again; \(interrupted.state)")
            }
        }
    }

    /// Seconds to the millisecond, as records and logs show them.
    private static func milliseconds(_ seconds: TimeInterval) -> Double { (seconds * 1000).rounded() / 1000 }
}
