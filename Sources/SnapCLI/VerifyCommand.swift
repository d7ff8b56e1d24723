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

    @Flag(help: "Verify each node's newest snapshot.")
    var latest = false

    @Flag(
        help: ArgumentHelp(
            "Then boot each snapshot in a private Erlang node: load every table (and the dump into a fresh "
                + "Mnesia) and compare them with the record. Exit 4 names each one that does not load."))
    var load = false

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
            if !refs.isEmpty || all || latest || load {
                throw ValidationError(
                    "--remote verifies the whole remote: pass no references, --all, --latest or --load")
            }
            return
        }
        let ways = [!refs.isEmpty, all, latest].filter { $0 }.count
        if ways == 0 { throw ValidationError("name snapshots to verify, or pass --all or --latest") }
        if ways > 1 { throw ValidationError("pass snapshot references, --all or --latest: only one of them") }
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
            let selection: VerifySelection = all ? .all : latest ? .latest : .refs(refs)
            render(try VerifyOperation.run(selection, load: load, in: context.session))
        } catch let failure as VerificationFailed {
            render(failure.report)
            throw failure
        } catch let failure as VerificationIncomplete {
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
            for unread in report.unread { Output.line("UNREAD  \(unread.id)  \(unread.node)  \(unread.problem)") }
            for result in report.loads where result.verdict.ok {
                Output.line("LOADED  \(result.id)  \(result.node)  \(Self.describe(result.verdict))")
                for note in result.verdict.notes ?? [] { Output.line("        note: \(note)") }
            }
            Output.line(
                "verified \(report.checked) snapshots: \(report.ok) ok, \(report.failed.count) failed"
                    + (report.unread.isEmpty ? "" : ", \(report.unread.count) could not be read"))
            if !report.loads.isEmpty {
                let loaded = report.loads.filter(\.verdict.ok).count
                Output.line("rehearsed \(report.loads.count): \(loaded) loaded, \(report.loads.count - loaded) did not")
            }
            if !report.contentNotChecked.isEmpty {
                Output.line(
                    "\(report.contentNotChecked.count) encrypted snapshots were checked without their identity: "
                        + "their file's SHA-256 and age header only, not their content "
                        + "(set encryption.identity in snap.yaml to check everything)")
            }
        }
    }

    /// `22 tables, 1204 rows, 0.8 s; 22 force-loaded (held on the absent partner too)`.
    static func describe(_ verdict: LoadVerdict) -> String {
        let rows = verdict.tables.reduce(0) { $0 + $1.rows }
        var text = "\(verdict.tables.count) tables, \(rows) rows, \(String(format: "%.1f", verdict.seconds)) s"
        if let forced = verdict.forced, !forced.isEmpty {
            text += "; \(forced.count) force-loaded (held on the absent partner too)"
        }
        return text
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
