import ArgumentParser
import SnapKit

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a snapshot store (mode 0700) with its store.json.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let context = try CommandContext(global)
        let store = try Store.initialize(at: try context.storePath)
        try context.audited("init", in: store) { _, _ in }
        if global.json {
            try Output.json(store.info)
        } else if !global.quiet {
            Output.line(
                "initialized store \(store.root) (id \(store.info.storeId), format \(store.info.formatVersion))")
        }
    }
}
