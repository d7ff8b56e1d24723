import Foundation
import Logging

/// One run of snap as the store sees it: the command line (the lock's holder and the audit
/// log record it), how long it waits for the lock, its logger, and where its warnings go.
package struct Invocation: Sendable {
    /// The command line, program name first.
    package var argv: [String]
    /// Seconds to wait for a busy store lock before giving up (exit 11).
    package var lockWait: Double
    package var logger: Logger
    /// Receives each warning for the operator, one line of text without a prefix.
    package var warn: @Sendable (String) -> Void
    package var hooks: DebugHooks

    package init(
        argv: [String], lockWait: Double = 0, logger: Logger, warn: @escaping @Sendable (String) -> Void = { _ in },
        hooks: DebugHooks = DebugHooks()
    ) {
        self.argv = argv
        self.lockWait = lockWait
        self.logger = logger
        self.warn = warn
        self.hooks = hooks
    }
}
