import ArgumentParser
import Foundation
import SnapKit

struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy snapshots off site through rclone: what the remote lacks, read back and recorded.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The remote (a name under remotes: in snap.yaml).", valueName: "remote"))
    var to: String

    @Argument(help: ArgumentHelp("Snapshots to copy.", valueName: "ref"))
    var refs: [String] = []

    @Flag(help: "Copy every snapshot the remote lacks (not those offsite.keep pruned there).")
    var all = false

    @Flag(help: "Copy to a remote that holds nothing although snapshots were copied there (emptied on purpose).")
    var reseed = false

    func validate() throws {
        if refs.isEmpty && !all { throw ValidationError("name snapshots to copy, or pass --all") }
        if !refs.isEmpty && all { throw ValidationError("pass either snapshot references or --all, not both") }
    }

    func run() throws {
        let context = try CommandContext(global)
        let progress = Output.progressLine(quiet: global.quiet)
        var options = CopyOptions(remote: to, refs: refs, reseed: reseed)
        if let progress { options.progress = { progress("copy: " + $0) } }
        let report = try CopyOperation.run(options, in: context.session)
        progress?("")
        if global.json {
            try Output.json(report)
        } else if !global.quiet {
            for object in report.resent {
                Output.error(
                    "snap: warning: \(object) had gone from remote \(report.remote) since it was copied: sent again")
            }
            for object in report.repaired {
                Output.error("snap: note: \(object) was half-written by an earlier copy: written again")
            }
            for object in report.replaced {
                Output.error("snap: note: \(object) there named the snapshot's bundle before a rekey: replaced")
            }
            Output.line(
                "copied \(report.copied.count) snapshots to \(report.remote) (\(report.objects) objects, "
                    + "\(Output.size(report.bytes))); \(report.present.count) were there already"
                    + (report.auditEntries > 0 ? "; \(report.auditEntries) audit entries sent" : ""))
        }
    }
}
