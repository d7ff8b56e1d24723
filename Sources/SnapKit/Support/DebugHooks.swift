import Foundation

/// Test-only behaviour, injected by the front end (which reads it from `SNAP_DEBUG_*`
/// environment variables); production code never reads the environment for it.
package struct DebugHooks: Sendable, Equatable {
    /// The restore step number at whose start the process kills itself (SIGKILL).
    var killAtStep: Int?
    /// Seconds a cold copy sleeps after each piece of a file, as a slow or hung disk would.
    var coldCopyPieceDelay: Double?
    /// Seconds a command holds the store lock before doing its work, so tests can see it held.
    var holdLockSeconds: Double?

    /// Waits at `step` as ``pauseAtStep`` says, if it says so.
    func pause(at step: Int) {
        guard let pause = pauseAtStep, pause.at == step else { return }
        Self.wait(creating: pause.file)
    }

    /// Waits before the agent request `op` as ``agentPause`` says, if it says so.
    func pause(before op: String) {
        guard let pause = agentPause, pause.at == op else { return }
        Self.wait(creating: pause.file)
    }

    private static func wait(creating file: String) {
        FileManager.default.createFile(atPath: file, contents: nil)
        let deadline = Date().addingTimeInterval(300)
        while FileManager.default.fileExists(atPath: file) && Date() < deadline { usleep(50_000) }
    }
    /// The agent protocol version spoken instead of this snap's own, as an older or newer
    /// snap would (coordinator and agent alike).
    package var agentProtocol: Int?
    /// The restore step number at whose start the process creates the file and waits until
    /// it is gone (at most 300 s): a test breaks something meanwhile (an SSH connection).
    var pauseAtStep: Pause<Int>?
    /// The agent request (`unpack`, `stop` ...) before which `snap agent` creates the file
    /// and waits until it is gone, so that a test can cut the connection in the middle of it.
    var agentPause: Pause<String>?

    /// Where a test-only pause happens (a step number, a request name) and the file it waits on.
    struct Pause<At: Equatable & Sendable>: Equatable, Sendable {
        var at: At
        var file: String
    }

    package init(
        killAtStep: Int? = nil, coldCopyPieceDelay: Double? = nil, holdLockSeconds: Double? = nil,
        agentProtocol: Int? = nil
    ) {
        self.killAtStep = killAtStep
        self.coldCopyPieceDelay = coldCopyPieceDelay
        self.holdLockSeconds = holdLockSeconds
        self.agentProtocol = agentProtocol
    }

    /// The hooks set in `environment`: `SNAP_DEBUG_KILL_AT_STEP`,
    /// `SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS`, `SNAP_DEBUG_HOLD_LOCK_SECONDS`,
    /// `SNAP_DEBUG_AGENT_PROTOCOL`, `SNAP_DEBUG_PAUSE_AT_STEP` (`N:FILE`),
    /// `SNAP_DEBUG_AGENT_PAUSE` (`OP:FILE`).
    package init(environment: [String: String]) {
        self.init(
            killAtStep: environment["SNAP_DEBUG_KILL_AT_STEP"].flatMap { Int($0) },
            coldCopyPieceDelay: environment["SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS"].flatMap { Double($0) },
            holdLockSeconds: environment["SNAP_DEBUG_HOLD_LOCK_SECONDS"].flatMap { Double($0) },
            agentProtocol: environment["SNAP_DEBUG_AGENT_PROTOCOL"].flatMap { Int($0) })
        if let text = environment["SNAP_DEBUG_PAUSE_AT_STEP"], let colon = text.firstIndex(of: ":"),
            let step = Int(text[..<colon])
        {
            pauseAtStep = Pause(at: step, file: String(text[text.index(after: colon)...]))
        }
        if let text = environment["SNAP_DEBUG_AGENT_PAUSE"], let colon = text.firstIndex(of: ":") {
            agentPause = Pause(at: String(text[..<colon]), file: String(text[text.index(after: colon)...]))
        }
    }
}
