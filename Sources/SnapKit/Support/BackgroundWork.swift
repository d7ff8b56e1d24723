import Foundation

/// Work started on a thread of its own, whose outcome is collected later: lets two long
/// steps that do not depend on each other overlap (a dump parsed while the bundle is
/// compressed), or bounds how long a step may keep something waiting (a cold copy, with
/// the node down).
final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    /// Written once, by the worker, before `finished` is signalled; read only after it is.
    private var outcome: Result<Value, any Error>?

    /// Starts `work` now on a new thread called `name`.
    init(name: String, _ work: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            outcome = Result { try work() }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the work has ended and returns what it returned.
    /// - Throws: what the work threw.
    func value() throws -> Value {
        finished.wait()
        return try ended()
    }

    /// Waits at most `seconds` for the work to end.
    /// - Returns: what the work returned, or nil if it is still going (it goes on).
    /// - Throws: what the work threw.
    func value(waitingAtMost seconds: TimeInterval) throws -> Value? {
        guard finished.wait(timeout: .now() + seconds) == .success else { return nil }
        return try ended()
    }

    private func ended() throws -> Value {
        finished.signal()  // a later call finds it ended too
        guard let outcome else { preconditionFailure("the work ended without an outcome") }
        return try outcome.get()
    }
}
