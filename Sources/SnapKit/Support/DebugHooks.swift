/// Test-only behaviour the end-to-end tests ask for through the environment; the
/// executable reads it once and passes it in, the library never reads the environment.
public struct DebugHooks: Sendable, Equatable {
    /// A restore kills itself (SIGKILL) as this step starts (`SNAP_DEBUG_KILL_AT_STEP`).
    public var killAtStep: Int?
    /// A cold copy's thread sleeps this long after each piece of a file, as a slow or a
    /// hung disk would (`SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS`).
    public var coldCopyPieceDelay: Double?
    /// A writer holds the store lock this long after taking it (`SNAP_DEBUG_HOLD_LOCK_SECONDS`).
    public var holdLockSeconds: Double?

    public init(killAtStep: Int? = nil, coldCopyPieceDelay: Double? = nil, holdLockSeconds: Double? = nil) {
        self.killAtStep = killAtStep
        self.coldCopyPieceDelay = coldCopyPieceDelay
        self.holdLockSeconds = holdLockSeconds
    }

    /// The hooks the `SNAP_DEBUG_*` variables of `environment` set; none when unset.
    public init(environment: [String: String]) {
        self.init(
            killAtStep: environment["SNAP_DEBUG_KILL_AT_STEP"].flatMap { Int($0) },
            coldCopyPieceDelay: environment["SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS"].flatMap { Double($0) },
            holdLockSeconds: environment["SNAP_DEBUG_HOLD_LOCK_SECONDS"].flatMap { Double($0) })
    }
}
