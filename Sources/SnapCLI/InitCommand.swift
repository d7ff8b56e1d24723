import ArgumentParser
import SnapKit

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a snapshot store (mode 0700) with its store.json.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let (store, info) = try InitOperation.run(in: try CommandContext(global).session)
        if global.json {
            try Output.json(info)
        } else if !global.quiet {
            Output.line("initialized store \(store.root) (id \(info.storeId), format \(info.formatVersion))")
        }
    }
}
