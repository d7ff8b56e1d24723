import ArgumentParser
import Foundation
import SnapKit

extension SnapshotRecord.CaptureMode.Requested: ExpressibleByArgument {}

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Capture configured managers (or a Mnesia directory captured elsewhere) into new snapshots.",
        discussion: """
            Modes: auto (default; running node: files + dump, stopped node: plain copy), files (hot copy, \
            only accepted if nothing changed during it), dump (dump-mnesia-data), cold (stop, copy, start again).
            Exit 3 when some managers were captured and others failed.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp("A configured manager to capture; repeat for several (default: all).", valueName: "name"))
    var node: [String] = []

    @Flag(help: "Capture every configured manager.")
    var all = false

    @Option(help: ArgumentHelp("auto, files, dump or cold.", valueName: "mode"))
    var mode: SnapshotRecord.CaptureMode.Requested?

    @Option(
        name: .customLong("from-dir"),
        help: ArgumentHelp(
            "Archive a Mnesia directory captured elsewhere (needs one --node; no node control).", valueName: "dir"))
    var fromDirectory: String?

    @Option(help: ArgumentHelp("With --from-dir: a dump-mnesia-data export to include.", valueName: "file"))
    var dump: String?

    @Option(help: ArgumentHelp("A label; repeat for several.", valueName: "tag"))
    var tag: [String] = []

    @Option(help: ArgumentHelp("Free text stored with the snapshot.", valueName: "text"))
    var note: String?

    @Option(help: ArgumentHelp("zstd level (default 3).", valueName: "n"))
    var level: Int?

    @Option(help: ArgumentHelp("zstd worker threads (default: one per core).", valueName: "n"))
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "Policy for mode, compression, verification and --prune (default: the config's, else default).",
            valueName: "policy"))
    var policy: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Re-read the new bundles before the run ends (default: the policy's verify_after_create).")
    var verify: Bool?

    @Flag(help: "Apply the policy's retention after a successful capture (the usual cron line).")
    var prune = false

    @Option(help: ArgumentHelp("Write a node_exporter textfile here after the run.", valueName: "file"))
    var metrics: String?

    @Flag(
        name: .customLong("allow-incomplete"),
        help: "Archive a directory that lacks a Mnesia schema or table files (refused otherwise).")
    var allowIncomplete = false

    func validate() throws {
        if fromDirectory != nil {
            guard node.count == 1 else { throw ValidationError("--from-dir needs exactly one --node NAME") }
            if all || mode != nil {
                throw ValidationError("--from-dir takes no --all or --mode: no node is controlled")
            }
        } else {
            if dump != nil { throw ValidationError("--dump goes with --from-dir; live captures make their own dump") }
            if all && !node.isEmpty { throw ValidationError("pass --all or --node NAME, not both") }
        }
        if tag.contains(where: { $0.isEmpty || $0.contains(",") || $0.contains(where: \.isWhitespace) }) {
            throw ValidationError("tags must be non-empty and contain no commas or spaces")
        }
    }

    func run() throws {
        let context = try CommandContext(global)
        var options = CreateOptions()
        options.nodes = node
        options.mode = mode
        options.fromDirectory = fromDirectory
        options.dumpFile = dump
        options.tags = tag
        options.note = note
        options.level = level
        options.threads = threads
        options.policy = policy
        options.verify = verify
        options.prune = prune
        options.allowIncomplete = allowIncomplete
        options.metricsPath = metrics
        if let progress = Output.progressLine(quiet: global.quiet) {
            options.copyProgress = { progress("copy: " + $0) }
        }
        do {
            try CreateOperation.run(options, in: context.session, created: render)
        } catch let failure as CaptureFailed {
            // What was captured is shown before the run ends with 3 (partial) or 1.
            render(failure.records)
            throw failure
        }
    }

    private func render(_ records: [SnapshotRecord]) {
        if global.json {
            try? Output.json(records)
        } else if !global.quiet {
            for record in records {
                let reuse = record.deduplicated ? ", content unchanged: bundle reused" : ""
                let downtime = record.downtimeSeconds.map { String(format: ", node down %.2f s", $0) } ?? ""
                Output.line(
                    "created \(record.id) v\(record.version) \(record.node) \(record.mode.rawValue) \(Output.size(record.bundleSize))\(reuse)\(downtime)"
                )
            }
        }
    }
}
