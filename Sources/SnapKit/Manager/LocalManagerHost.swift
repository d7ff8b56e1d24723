import Foundation
import Glibc
import Logging

/// A manager on snap's own host: its `bin/leo_manager` run as a process, its console over
/// TCP, its Mnesia directory and conf through the file system.
public struct LocalManagerHost: ManagerHost {
    public let node: ManagerNode
    let control: ManagerControl
    let logger: Logger
    /// Test-only: a cold copy sleeps this long after each piece of a file (``DebugHooks``).
    let coldCopyPieceDelay: Double?

    /// - Parameters:
    ///   - runner: runs the control script.
    ///   - coldCopyPieceDelay: test-only, see ``DebugHooks/coldCopyPieceDelay``.
    public init(
        _ node: ManagerNode, runner: any CommandRunning = CommandRunner(), coldCopyPieceDelay: Double? = nil,
        logger: Logger = Logger(label: "snap")
    ) {
        self.node = node
        self.control = ManagerControl(node, runner: runner)
        self.coldCopyPieceDelay = coldCopyPieceDelay
        self.logger = logger
    }

    public func isRunning() throws -> Bool { try control.isRunning() }

    public func isDown() throws -> Bool {
        try !control.isRunning() && ErlangProcesses.running(nodename: node.nodename).isEmpty
    }

    public func stop() throws { try control.stop() }
    public func start() throws { try control.start() }
    public func waitReady() throws { try control.waitReady() }

    public func withDump<T>(_ body: (String) throws -> T) throws -> T {
        try node.withPrivateDumpPath { path in
            try control.dump(to: path)
            return try body(path)
        }
    }

    public func load(dumpOf record: SnapshotRecord, from store: Store) throws {
        try node.withPrivateDumpPath { path in
            try SnapshotContent.unpackDump(of: record, from: store, to: path)
            try control.load(from: path)
        }
    }

    public func removeStaleDumps() { node.removeStaleDumpDirectories() }

    public func console(_ command: String) throws -> String { try ConsoleClient(node).send(command) }

    public func checkMnesiaDirectory(shownAs: String?) throws {
        try MnesiaDirectoryCheck.require(node.mnesiaDirectory, node: node.name, shownAs: shownAs)
    }

    /// The live directory itself: the bundle is read straight from it.
    public func withMnesiaFiles<T>(settling: Bool, _ body: (BundleSources) throws -> T) throws -> T {
        try body(BundleSources(mnesiaDirectory: node.mnesiaDirectory, stableFor: settling ? node.settle : 0))
    }

    public func partnerConfFile() throws -> String {
        let conf = try LeoManagerConf.load(home: node.home)
        return conf.origins["manager.partner"]?.path ?? node.home + "/etc/leo_manager.conf"
    }

    public func setPartner(_ partner: String, in file: String, backup: String) throws {
        try ConfEditor.set("manager.partner", to: partner, in: file, backup: backup)
    }

    public func restoreConf(_ backup: ConfBackup) throws {
        if FileOps.exists(backup.backup) { try FileOps.rename(backup.backup, to: backup.file) }
    }
}
