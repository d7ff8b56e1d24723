import Foundation

/// Everything snap does to one manager: its launch script, its console, its Mnesia files
/// and its conf.
///
/// Captures and restores reach a manager only through this seam, so that the manager may
/// live on another host (``RemoteManagerHost``): paths passed in are paths on the manager's
/// host, except where a method says they are on snap's host; what is captured reaches snap's
/// host as a compressed bundle (``CaptureBundler``), and a snapshot reaches the manager's host
/// from the store (`from store:`). Each method is
/// one thing done to the manager, whole, the way an agent next to it would carry it out.
/// A method may throw ``Interrupted`` when it was stopped part way; the caller treats that
/// as a stop, not a failure.
package protocol ManagerHost: Sendable {
    /// What snap.yaml and the manager's conf say about it: names, paths, ports, timeouts.
    var node: ManagerNode { get }
    /// The machine the manager runs on, as records name it.
    var hostName: String { get }

    // MARK: Launch script

    /// True when `bin/leo_manager ping` answers `pong`.
    func isRunning() throws -> Bool
    /// True when `ping` fails and no Erlang VM runs under the node's name.
    func isDown() throws -> Bool
    /// Stops the node and confirms it went down.
    /// - Throws: ``LeoFSError`` when the script fails or the node stays up.
    func stop() throws
    /// `start`; returns before the node is ready. A node already running is fine.
    func start() throws
    /// Waits until the node is ready (`wait_ready`).
    func waitReady() throws

    // MARK: Dumps and the console

    /// Runs `dump-mnesia-data` into a private file and returns its table summary; the file
    /// is gone when this returns.
    func dumpTables() throws -> [TableSummary]
    /// Loads the dump of `record` (`load-mnesia-data`), success read from its output.
    func load(dumpOf record: SnapshotRecord, from store: Store) throws
    /// Removes the private dump directories a crashed snap left behind.
    func removeStaleDumps()
    /// Sends one command to the text console and returns its reply.
    func console(_ command: String) throws -> String

    // MARK: Capturing the Mnesia directory

    /// Refuses a Mnesia directory without a schema or table files.
    /// - Parameter shownAs: how the message names it (default: its path).
    /// - Throws: ``IncompleteMnesiaDirectory``.
    func checkMnesiaDirectory(shownAs: String?) throws
    /// Makes `sources` ready (a fresh dump into a private file; the live or stopped Mnesia
    /// directory as it is) and hands `body` a bundler for them; the dump is gone when this
    /// returns.
    func withCapture<T>(_ sources: CaptureSources, _ body: (any CaptureBundler) throws -> T) throws -> T
    /// Stops the node, copies its Mnesia directory aside, starts it again whatever happened
    /// to the stop or the copy, and then hands `body` how that went, with a bundler for the
    /// copy when there is one; the copy is gone when this returns. A copy that makes no
    /// progress for the node's timeout is given up on (``ColdCopyTimedOut``).
    /// - Parameter scratch: a directory on snap's host where a local copy may go.
    func coldCopy<T>(scratch: String, _ body: (ColdCopyOutcome, (any CaptureBundler)?) throws -> T) throws -> T

    // MARK: Restoring the Mnesia directory

    /// What the Mnesia directory is now: whether it exists, its owner, mode and content size.
    func surveyMnesia() throws -> TargetDirectory
    /// The free space where the snapshot's files are unpacked, beside the Mnesia directory.
    func spaceBesideMnesia() throws -> FreeSpace
    /// Bytes an unpack of `record` needs there besides its files: nothing when the bundle is
    /// read from the store, the bundle itself when it is first received on another host.
    func unpackOverhead(of record: SnapshotRecord) -> Int64
    /// Where the restore laid out by `layout` moves this node's files: a folder in the store
    /// for a manager on snap's host, one beside the Mnesia directory on another host.
    func rescueDirectory(for layout: RestoreLayout) -> String
    /// Moves everything in the Mnesia directory into `rescue` (one complete copy of each
    /// file exists at every instant); run again, it moves what is left.
    /// - Returns: the regular files and bytes `rescue` holds.
    func rescueMnesia(to rescue: String) throws -> (files: Int, bytes: Int64)
    /// The names in `rescue`, nothing when it is missing.
    func rescuedNames(in rescue: String) throws -> [String]
    /// Hands `body` a bundler for the rescued files, to record them.
    func withRescuedFiles<T>(in rescue: String, _ body: (any CaptureBundler) throws -> T) throws -> T
    /// Removes `rescue` once a verified snapshot holds its files.
    func discardRescue(_ rescue: String) throws
    /// Unpacks the `mnesia/` files of `record` into the staging directory beside the Mnesia
    /// directory (replacing any earlier one), every file checked as it is written, owned and
    /// moded like `owner`, fsynced.
    func unpackSnapshot(_ record: SnapshotRecord, from store: Store, owner: TargetDirectory) throws
    /// Renames the staging directory into the place of the (rescued, empty) Mnesia
    /// directory. When staging is gone (renamed before a kill) the Mnesia directory must
    /// hold the files of `expected`, which is only read then.
    func swapInStaging(expected: () throws -> BundleManifest) throws
    /// Puts the previous files back into the Mnesia directory (a rollback).
    func putBack(_ previous: PreviousMnesiaFiles, from store: Store) throws

    // MARK: Conf

    /// The conf file that sets `manager.partner` (or the main conf, where it would go).
    func partnerConfFile() throws -> String
    /// Sets `manager.partner` in `file`, copying it first to `backup` unless that exists.
    func setPartner(_ partner: String, in file: String, backup: String) throws
    /// Puts the conf file saved in `backup` back, when the backup is still there.
    func restoreConf(_ backup: ConfBackup) throws
}

extension ManagerHost {
    /// The operator's name for the manager.
    package var name: String { node.name }

    /// Starts the node and waits until it is ready.
    package func startAndWait() throws {
        try start()
        try waitReady()
    }

    /// Refuses a Mnesia directory without a schema or table files.
    package func checkMnesiaDirectory() throws { try checkMnesiaDirectory(shownAs: nil) }
}

/// Free space on a file system of a manager's host.
package struct FreeSpace: Sendable, Equatable {
    /// The existing directory that was measured.
    package var path: String
    /// Bytes available to the manager's user.
    package var available: Int64

    package init(path: String, available: Int64) {
        self.path = path
        self.available = available
    }
}

/// What a rollback needs to put a target's previous files back.
package struct PreviousMnesiaFiles: Sendable {
    /// Where the rescue moved them.
    package var rescue: String
    /// What the Mnesia directory was before the restore.
    package var original: TargetDirectory
    /// Whether anything may have written into the Mnesia directory since the rescue: then
    /// it is replaced only by a copy checked against ``preRestore``.
    package var liveWasReplaced: Bool
    /// The pre-restore snapshot of these files, when one was recorded (and needed).
    package var preRestore: SnapshotRecord?
}

/// How a cold copy's stop, copy and start went, each on its own: the node is started again
/// whatever happened to the stop or the copy.
package struct ColdCopyOutcome: Sendable {
    /// How the stop went.
    package var stopped: Result<Void, any Error>
    /// How the copy went; the stop's failure when there was no copy.
    package var copied: Result<Void, any Error>
    /// How the start and the wait until ready went.
    package var started: Result<Void, any Error>
    /// The copy was given up on and may still run: it removes its directory when it stops.
    var copyAbandoned: Bool
    /// Seconds the stop, the copy, and the start with its wait took.
    var stopSeconds: Double
    package var copySeconds: Double
    var startSeconds: Double

    package init(
        stopped: Result<Void, any Error>, copied: Result<Void, any Error>, started: Result<Void, any Error>,
        copyAbandoned: Bool = false, stopSeconds: Double = 0, copySeconds: Double = 0, startSeconds: Double = 0
    ) {
        self.stopped = stopped
        self.copied = copied
        self.started = started
        self.copyAbandoned = copyAbandoned
        self.stopSeconds = stopSeconds
        self.copySeconds = copySeconds
        self.startSeconds = startSeconds
    }
}
