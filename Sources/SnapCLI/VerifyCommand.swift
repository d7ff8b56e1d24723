import ArgumentParser
import Foundation
import SnapKit

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read bundles: bundle SHA-256, every file's SHA-256, the manifest. Exit 4 on corruption.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Snapshots to verify.", valueName: "ref"))
    var refs: [String] = []

    @Flag(help: "Verify every snapshot.")
    var all = false

    func validate() throws {
        if refs.isEmpty && !all { throw ValidationError("name snapshots to verify, or pass --all") }
        if !refs.isEmpty && all { throw ValidationError("pass either snapshot references or --all, not both") }
    }

    func run() throws {
        let context = try CommandContext(global)
        do {
            render(try VerifyOperation.run(all ? .all : .refs(refs), in: context.session))
        } catch let failure as VerificationFailed {
            render(failure.report)
            throw failure
        }
    }

    func render(_ report: VerifyReport) {
        if !global.quiet {
            for repair in report.repaired { Output.error("snap: warning: \(repair)") }
            for warning in report.clockWarnings { Output.error("snap: warning: clock: \(warning.message)") }
        }
        if global.json {
            try? Output.json(report)
        } else if !global.quiet {
            for failure in report.failed { Output.line("FAILED  \(failure.id)  \(failure.node)  \(failure.problem)") }
            Output.line("verified \(report.checked) snapshots: \(report.ok) ok, \(report.failed.count) failed")
        }
    }
}
