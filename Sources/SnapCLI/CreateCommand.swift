import ArgumentParser
import SnapKit

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Capture a Mnesia directory (and a dump) into a new snapshot.")

    @OptionGroup var global: GlobalOptions

    @Option(
        name: .customLong("from-dir"), help: ArgumentHelp("A Mnesia directory captured elsewhere.", valueName: "dir"))
    var fromDirectory: String?

    @Option(help: ArgumentHelp("The manager the content belongs to.", valueName: "name"))
    var node: [String] = []

    @Option(help: ArgumentHelp("A dump-mnesia-data export to include.", valueName: "file"))
    var dump: String?

    @Option(help: ArgumentHelp("A label; repeat for several.", valueName: "tag"))
    var tag: [String] = []

    @Option(help: ArgumentHelp("Free text stored with the snapshot.", valueName: "text"))
    var note: String?

    @Option(help: ArgumentHelp("zstd level (default 3).", valueName: "n"))
    var level: Int?

    @Option(help: ArgumentHelp("zstd worker threads (default: one per core).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        guard fromDirectory != nil else {
            throw ValidationError("name the content to capture with --from-dir DIR --node NAME")
        }
        guard node.count == 1 else {
            throw ValidationError("--from-dir needs exactly one --node NAME")
        }
        if tag.contains(where: { $0.isEmpty || $0.contains(",") || $0.contains(where: \.isWhitespace) }) {
            throw ValidationError("tags must be non-empty and contain no commas or spaces")
        }
    }

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        let standard = CompressionSettings.standard
        let compression = try CompressionSettings(level: level ?? standard.level, threads: threads ?? standard.threads)
        guard let directory = fromDirectory, let nodeName = node.first else { return }
        let request = CaptureRequest(
            node: nodeName, sources: BundleSources(mnesiaDirectory: directory, dumpFile: dump), mode: .fromDir,
            tags: tag, note: note, cluster: context.config?.cluster, compression: compression)
        let record = try context.audited("create", in: store) { lock, facts in
            facts.nodes = [nodeName]
            let record = try CreateOperation.capture(request, in: store, lock: lock, logger: context.logger)
            facts.snapshots = [record.id]
            return record
        }
        if global.json {
            try Output.json([record])
        } else if !global.quiet {
            let reuse = record.deduplicated ? ", content unchanged: bundle reused" : ""
            Output.line(
                "created \(record.id) v\(record.version) \(record.node) \(Output.size(record.bundleSize))\(reuse)")
        }
    }
}
