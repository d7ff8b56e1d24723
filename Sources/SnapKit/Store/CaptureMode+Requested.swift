extension SnapshotRecord.CaptureMode {
    /// How the operator asks to capture a live manager (`snap create --mode`, a policy's
    /// `mode`); the record then says what was done (``SnapshotRecord/CaptureMode``).
    package enum Requested: String, Sendable, CaseIterable {
        /// Running: `files` + `dump`; stopped: a plain copy without starting it.
        case auto
        /// Hot copy of the running node's Mnesia directory, accepted only if nothing moved.
        case files
        /// `dump-mnesia-data` only.
        case dump
        /// Stop, confirm down, copy, start again (always), wait until ready.
        case cold

        /// What a capture requested so records, given whether the node runs; nil when the
        /// request needs a running node and it is stopped.
        package func recorded(running: Bool) -> SnapshotRecord.CaptureMode? {
            switch (self, running) {
            case (.files, false), (.dump, false): return nil
            case (.files, true): return .files
            case (.dump, true): return .dump
            case (.auto, true): return .filesAndDump
            case (.auto, false), (.cold, _): return .cold
            }
        }
    }
}
