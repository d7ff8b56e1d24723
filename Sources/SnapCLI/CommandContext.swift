import Foundation
import Logging
import SnapKit

/// What every command builds from its global options: the session SnapKit's use cases run
/// with (config, store, policies, this invocation) and how notes reach the operator.
struct CommandContext {
    let global: GlobalOptions
    let session: Session

    init(_ global: GlobalOptions) throws {
        self.global = global
        let environment = ProcessInfo.processInfo.environment
        let config: SnapConfig?
        if let path = global.config {
            config = try SnapConfig.load(path: path)
        } else if let found = SnapConfig.defaultPath(environment: environment) {
            config = try SnapConfig.load(path: found.path)
        } else {
            config = nil
        }
        var logger = Logger(label: "snap")
        logger.logLevel = global.verbose ? .info : (global.quiet ? .error : .warning)
        let quiet = global.quiet
        let invocation = Invocation(
            argv: CommandLine.arguments, lockWait: global.wait, logger: logger,
            warn: { if !quiet { Output.error("snap: warning: \($0)") } },
            alert: { Output.error("snap: \($0.level.rawValue): \($0.text)") },
            hooks: DebugHooks(environment: environment))
        session = Session(
            config: config, storePath: global.store,
            policies: .standard(configPath: config?.path, environment: environment), invocation: invocation)
    }

    var config: SnapConfig? { session.config }

    /// Opens the store for reading.
    func openStore() throws -> Store {
        try session.openStore()
    }

    /// Every record of `store`. Damaged record files are named on stderr, and every other
    /// snapshot stays usable.
    func loadRecords(_ store: Store) throws -> RecordSet {
        try session.loadRecords(store)
    }

    /// A note on stderr unless `--quiet`.
    func note(_ text: String) {
        if !global.quiet { Output.error(text) }
    }
}
