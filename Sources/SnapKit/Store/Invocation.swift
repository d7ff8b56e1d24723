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
    /// Receives each warning for the operator, one line of text without a prefix; a front
    /// end may leave them out when asked to be quiet.
    package var warn: @Sendable (String) -> Void
    /// Receives what must reach the operator even when quiet, because nothing else says it
    /// (a hook that failed, a metrics file not written): what cron mails.
    package var alert: @Sendable (Notice) -> Void
    package var hooks: DebugHooks

    package init(
        argv: [String], lockWait: Double = 0, logger: Logger, warn: @escaping @Sendable (String) -> Void = { _ in },
        alert: @escaping @Sendable (Notice) -> Void = { _ in }, hooks: DebugHooks = DebugHooks()
    ) {
        self.argv = argv
        self.lockWait = lockWait
        self.logger = logger
        self.warn = warn
        self.alert = alert
        self.hooks = hooks
    }
}

/// Something the operator must be told even when quiet; it never changes the outcome.
package struct Notice: Sendable, Equatable {
    /// How the front end labels it.
    package enum Level: String, Sendable {
        case warning
        case error
    }

    package var level: Level
    package var text: String

    package init(_ level: Level, _ text: String) {
        self.level = level
        self.text = text
    }
}
