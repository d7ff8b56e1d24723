import ArgumentParser
import SnapKit

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a snapshot store (mode 0700) with its store.json, or rebuild one from a remote (--from).")

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Rebuild the store from this remote (a name under remotes: in snap.yaml).", valueName: "remote"))
    var from: String?

    @Flag(help: "With --from: fetch every bundle now instead of on first use.")
    var all = false

    func validate() throws {
        if all && from == nil { throw ValidationError("--all goes with --from") }
    }

    func run() throws {
        if let from {
            let rebuilt = try InitOperation.run(from: from, all: all, in: try CommandContext(global).session)
            if global.json {
                try Output.json(rebuilt)
            } else if !global.quiet {
                Output.line(
                    "rebuilt store \(rebuilt.store) (id \(rebuilt.storeId)) from remote \(rebuilt.remote): "
                        + "\(rebuilt.snapshots) snapshots, \(rebuilt.auditEntries) audit entries (chain verified); "
                        + (all
                            ? "\(rebuilt.bundlesFetched) bundles fetched"
                            : "\(rebuilt.bundlesOnDemand) bundles are fetched when a command first needs them"))
            }
            return
        }
        let (store, info) = try InitOperation.run(in: try CommandContext(global).session)
        if global.json {
            try Output.json(info)
        } else if !global.quiet {
            Output.line("initialized store \(store.root) (id \(info.storeId), format \(info.formatVersion))")
        }
    }
}
