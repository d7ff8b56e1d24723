import Foundation
import Glibc
import Logging

/// A manager on snap's own host: its `bin/leo_manager` run as a process, its console over
/// TCP, its Mnesia directory and conf through the file system.
struct LocalManagerHost: ManagerHost {
    package let node: ManagerNode
    let control: ManagerControl
    let logger: Logger
    /// Test-only: a cold copy sleeps this long after each piece of a file (``DebugHooks``).
    let coldCopyPieceDelay: Double?

    /// - Parameters:
    ///   - runner: runs the control script.
    ///   - coldCopyPieceDelay: test-only, see ``DebugHooks/coldCopyPieceDelay``.
    package init(
        _ node: ManagerNode, runner: any CommandRunning = CommandRunner(), coldCopyPieceDelay: Double? = nil,
        logger: Logger = Logger(label: "snap")
    ) {
        self.node = node
        self.control = ManagerControl(node, runner: runner)
        self.coldCopyPieceDelay = coldCopyPieceDelay
        self.logger = logger
    }

    package func isRunning() throws -> Bool { try control.isRunning() }

    package func isDown() throws -> Bool {
        try !control.isRunning() && ErlangProcesses.running(nodename: node.nodename).isEmpty
    }

    package func stop() throws { try control.stop() }
    package func start() throws { try control.start() }
    package func waitReady() throws { try control.waitReady() }

    package var hostName: String { ToolInfo.host }

    package func dumpTables() throws -> [TableSummary] {
        try withDump { try MnesiaDump.parse(contentsOf: $0).summaries }
    }

    /// Runs `dump-mnesia-data` into a private file and hands `body` its path.
    func withDump<T>(_ body: (String) throws -> T) throws -> T {
        try node.withPrivateDumpPath { path in
            try control.dump(to: path)
            return try body(path)
        }
    }

    package func load(dumpOf record: SnapshotRecord, from store: Store) throws {
        let bundle = try store.bundleFile(of: record)
        try load { try SnapshotContent.unpackDump(of: bundle, to: $0) }
    }

    /// Loads a dump that `write` puts at the private path it is given.
    func load(_ write: (String) throws -> Void) throws {
        try node.withPrivateDumpPath { path in
            try write(path)
            try control.load(from: path)
        }
    }

    package func removeStaleDumps() { node.removeStaleDumpDirectories() }

    package func console(_ command: String) throws -> String { try ConsoleClient(node).send(command) }

    package func checkMnesiaDirectory(shownAs: String?) throws {
        try MnesiaDirectoryCheck.require(node.mnesiaDirectory, node: node.name, shownAs: shownAs)
    }

    /// The live directory itself: the bundle is read straight from it.
    package func withCapture<T>(_ sources: CaptureSources, _ body: (any CaptureBundler) throws -> T) throws -> T {
        func bundle(dump: String?) throws -> T {
            try body(
                LocalBundler(
                    BundleSources(
                        mnesiaDirectory: sources.files == nil ? nil : node.mnesiaDirectory, dumpFile: dump,
                        stableFor: sources.files.map { $0 == .live ? node.settle : 0 },
                        appendOnly: sources.files == .live ? MnesiaFilesCheck.appendOnlyLogs : [])))
        }
        guard sources.dump else { return try bundle(dump: nil) }
        return try withDump { try bundle(dump: $0) }
    }

    package func partnerConfFile() throws -> String {
        let conf = try LeoManagerConf.load(home: node.home)
        return conf.origins["manager.partner"]?.path ?? node.home + "/etc/leo_manager.conf"
    }

    package func setPartner(_ partner: String, in file: String, backup: String) throws {
        try ConfEditor.set("manager.partner", to: partner, in: file, backup: backup)
    }

    package func restoreConf(_ backup: ConfBackup) throws {
        if FileOps.exists(backup.backup) { try FileOps.rename(backup.backup, to: backup.file) }
    }
}
