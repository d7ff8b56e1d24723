import ArgumentParser
import SnapKit

/// `snap rekey`: gives encrypted bundles the configured recipients.
struct RekeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rekey",
        abstract: "Give encrypted bundles snap.yaml's encryption.recipients, without re-encrypting them.",
        discussion: """
            Each bundle's age header is written anew for the same file key (the identity in \
            encryption.identity must open it), so the payload is not touched; records follow, and \
            the old file goes. Plain bundles (from before encryption) are left as they are. \
            Copies already off site keep their old header until the next `snap copy`.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Every snapshot.")
    var all = false

    @Argument(help: ArgumentHelp("The snapshots to rekey.", valueName: "ref"))
    var refs: [String] = []

    func validate() throws {
        if refs.isEmpty && !all { throw ValidationError("name snapshots to rekey, or pass --all") }
        if !refs.isEmpty && all { throw ValidationError("pass either snapshot references or --all, not both") }
    }

    func run() throws {
        let context = try CommandContext(global)
        do {
            render(try RekeyOperation.run(all ? .all : .refs(refs), in: context.session))
        } catch let failure as RekeyDamageFound {
            render(failure.report)
            throw failure
        }
    }

    private func render(_ report: RekeyReport) {
        if global.json {
            try? Output.json(report)
            return
        }
        guard !global.quiet else { return }
        for bundle in report.rewritten {
            Output.line(
                "rekeyed  \(bundle.from.prefix(12)) -> \(bundle.to.prefix(12))  \(bundle.snapshots.joined(separator: ", "))"
            )
        }
        for failure in report.damaged { Output.line("FAILED  \(failure.id)  \(failure.node)  \(failure.problem)") }
        let snapshots = report.rewritten.reduce(0) { $0 + $1.snapshots.count }
        Output.line(
            "rekeyed \(report.rewritten.count) bundles (\(snapshots) snapshots) to \(report.recipients.count) "
                + "recipients; snapshots already sealed so: \(report.unchanged.count), plain (left as they are): "
                + "\(report.plain.count)" + (report.damaged.isEmpty ? "" : ", damaged: \(report.damaged.count)"))
        if !report.identityOpensRecipients {
            Output.error(
                "snap: warning: encryption.identity opens none of the new recipients: put the identity of one "
                    + "of them in the file before the next capture, whose check reads its new bundle")
        }
    }
}
