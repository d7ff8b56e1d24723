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

    @Option(
        help: ArgumentHelp(
            "Verify what this remote holds: history, records, and bundles read back.", valueName: "remote"))
    var remote: String?

    @Option(
        help: ArgumentHelp(
            "With --remote: read this percentage of the bundles (every bundle within 100/PERCENT runs).",
            valueName: "percent"))
    var sample: Int?

    func validate() throws {
        if let sample, !(1...100).contains(sample) {
            throw ValidationError("--sample must be a percentage from 1 to 100")
        }
        if sample != nil && remote == nil { throw ValidationError("--sample goes with --remote") }
        if remote != nil {
            if !refs.isEmpty || all {
                throw ValidationError("--remote verifies the whole remote: pass no references and no --all")
            }
            return
        }
        if refs.isEmpty && !all { throw ValidationError("name snapshots to verify, or pass --all") }
        if !refs.isEmpty && all { throw ValidationError("pass either snapshot references or --all, not both") }
    }

    func run() throws {
        let context = try CommandContext(global)
        if let remote {
            do {
                render(try RemoteVerifyOperation.run(remote: remote, percent: sample, in: context.session))
            } catch let failure as RemoteVerificationFailed {
                render(failure.report)
                throw failure
            }
            return
        }
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
            if !report.contentNotChecked.isEmpty {
                Output.line(
                    "\(report.contentNotChecked.count) encrypted snapshots were checked without their identity: "
                        + "their file's SHA-256 and age header only, not their content "
                        + "(set encryption.identity in snap.yaml to check everything)")
            }
        }
    }

    func render(_ report: RemoteVerifyReport) {
        if global.json {
            try? Output.json(report)
        } else if !global.quiet {
            for problem in report.problems { Output.line("FAILED  \(problem)") }
            let sample =
                report.slice.map {
                    " (slice \($0) of \(report.slices ?? 1): every bundle is read within \(report.slices ?? 1) runs)"
                } ?? ""
            Output.line(
                "verified remote \(report.remote): \(report.snapshots) snapshots, \(report.auditEntries) audit entries, "
                    + "\(report.bundlesRead) of \(report.bundles) bundles read back\(sample): "
                    + (report.problems.isEmpty ? "ok" : "\(report.problems.count) problems"))
        }
    }
}
