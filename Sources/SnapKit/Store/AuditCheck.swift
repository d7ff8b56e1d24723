import Foundation

/// The `audit verify` use case: re-walks the hash chain, and is itself audited, so the head
/// it reports is its own entry.
package enum AuditCheck {
    /// What a check found: the entries verified and the head after its own entry.
    package struct Result: Sendable {
        package var verified: Int
        package var head: AuditEntry
    }

    /// - Throws: ``AuditChainBroken`` (exit 4) naming the first entry at fault, or a chain
    ///   that lost its beginning.
    package static func run(in store: Store, by invocation: Invocation) throws -> Result {
        let (result, head) = try store.withLock("audit-verify", by: invocation) { _, _ in
            let result = try store.audit.verify()
            if let problem = result.problem {
                throw AuditChainBroken(path: store.audit.path, problem: problem, goodEntries: result.count)
            }
            // An intact chain can still have lost its beginning: snapshots tell when it began.
            if let problem = try store.audit.missingBeginning(given: try store.loadRecords()) {
                throw AuditChainBroken(path: store.audit.path, problem: problem, goodEntries: nil)
            }
            return result
        } recorded: { entry in
            entry
        }
        return Result(verified: result.count, head: head)
    }
}

/// The audit chain does not verify.
struct AuditChainBroken: SnapFailure {
    package var path: String
    package var problem: String
    /// Entries before the problem that verify, when the problem is at one entry.
    var goodEntries: Int?
    package var exitStatus: ExitStatus { .verificationFailed }
    package var description: String {
        "audit log \(path) fails verification: \(problem)"
            + (goodEntries.map { " (the \($0) entries before it are intact)" } ?? "")
    }
}
