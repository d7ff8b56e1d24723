import Foundation

@testable import SnapKit

extension AuditLog {
    /// Appends holding a lock on a file beside the log, as a store's writer holds the
    /// store's: for tests of a log that belongs to no store.
    @discardableResult
    func append(_ draft: AuditDraft, now: Date = Date()) throws -> (entry: AuditEntry, repairedBytes: Int) {
        let lock = try StoreLock.acquire(path: path + ".lock", wait: 5, holder: .current(argv: ["snap-tests"]))
        defer { lock.release() }
        return try append(draft, holding: lock, now: now)
    }
}
