import ArgumentParser
import SnapKit

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Unpack a snapshot into a new or empty directory, checking every file. No node is touched.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The snapshot.", valueName: "ref"))
    var ref: String

    @Option(help: ArgumentHelp("A new or empty directory.", valueName: "dir"))
    var to: String

    struct Extracted: Encodable {
        var id: String
        var target: String
        var files: Int
        var bytes: Int64
    }

    func run() throws {
        let context = try CommandContext(global)
        let store = try context.openStore()
        let result = try context.audited("extract", in: store) { _, facts in
            let record = try SnapshotRef(parsing: ref).resolve(in: try context.loadRecords(store))
            facts.snapshots = [record.id]
            facts.nodes = [record.node]
            let written = try ExtractOperation.extract(record, from: store, to: to)
            return Extracted(id: record.id, target: to, files: written.files, bytes: written.bytes)
        }
        if global.json {
            try Output.json(result)
        } else if !global.quiet {
            Output.line(
                "extracted \(result.id) to \(result.target): \(result.files) files, \(Output.size(result.bytes)); check with `sha256sum -c SHA256SUMS` there"
            )
        }
    }
}
