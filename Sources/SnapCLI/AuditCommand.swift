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
        let check = try AuditCheck.run(in: try context.openStore(), by: context.session.invocation)
        let head = check.head
        if global.json {
            try Output.json(AuditHead(verified: check.verified, headSeq: head.seq, headHash: head.hash ?? ""))
        } else {
            Output.line(
                "audit log ok: \(check.verified) entries verified; head is now entry \(head.seq), \(head.hash ?? "")")
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
