import Logging
import SnapKit

extension Invocation {
    /// A test's invocation: no lock wait, a quiet logger, warnings dropped.
    package static let test: Invocation = {
        var logger = Logger(label: "snap-tests")
        logger.logLevel = .warning
        return Invocation(argv: ["snap-tests"], logger: logger)
    }()
}

extension Store {
    /// Runs `body` holding this store's lock, without an audit entry: how a test that
    /// writes records directly gets the ``LockedStore`` every write needs.
    package func locked<T>(_ body: (LockedStore) throws -> T) throws -> T {
        try withLock(by: .test, body)
    }
}
