import ArgumentParser
import SnapKit

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit log.", subcommands: [AuditVerifyCommand.self])
}

struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-walk the audit hash chain; exit 4 naming the first edited, removed or reordered entry.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        // The check itself is audited, so the head printed is this check's own entry.
        let (result, head) = try context.audited("audit-verify", in: store) { _, _ in
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
        if global.json {
            try Output.json(AuditHead(verified: result.count, headSeq: head.seq, headHash: head.hash ?? ""))
        } else {
            Output.line(
                "audit log ok: \(result.count) entries verified; head is now entry \(head.seq), \(head.hash ?? "")")
            Output.line("record the head elsewhere: if it later goes missing from the log, the log was cut")
        }
    }
}

/// What `audit verify --json` prints.
struct AuditHead: Encodable {
    var verified: Int
    var headSeq: Int
    var headHash: String
}

/// The audit chain does not verify.
struct AuditChainBroken: SnapFailure {
    var path: String
    var problem: String
    /// Entries before the problem that verify, when the problem is at one entry.
    var goodEntries: Int?
    var exitStatus: ExitStatus { .verificationFailed }
    var description: String {
        "audit log \(path) fails verification: \(problem)"
            + (goodEntries.map { " (the \($0) entries before it are intact)" } ?? "")
    }
}
