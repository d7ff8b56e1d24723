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
        let result = try store.audit.verify()
        if global.json {
            try Output.json(result)
        } else if result.ok {
            Output.line("audit log ok: \(result.count) entries, head \(result.headHash)")
            Output.line("record the head elsewhere: an entry later than it that goes missing can then be noticed")
        }
        if result.tornTailBytes > 0 {
            context.note(
                "snap: warning: the last line of \(store.audit.path) is torn (\(result.tornTailBytes) bytes from a crash); it is not trusted and the next write removes it"
            )
        }
        if let problem = result.problem {
            throw AuditChainBroken(path: store.audit.path, problem: problem, goodEntries: result.count)
        }
    }
}

/// The audit chain does not verify.
struct AuditChainBroken: SnapFailure {
    var path: String
    var problem: String
    var goodEntries: Int
    var exitStatus: ExitStatus { .verificationFailed }
    var description: String {
        "audit log \(path) fails verification: \(problem) (the \(goodEntries) entries before it are intact)"
    }
}
