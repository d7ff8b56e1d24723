import Foundation

/// Work started on a thread of its own, whose outcome is collected later: lets two long
/// steps that do not depend on each other overlap (a dump parsed while the bundle is
/// compressed).
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
        finished.signal()  // a later call finds it ended too
        guard let outcome else { preconditionFailure("the work ended without an outcome") }
        return try outcome.get()
    }
}
