import Foundation
import Glibc
import SnapKit

/// A manager held in memory, for unit tests of what snap does to managers: its Mnesia
/// directory, rescue, staging and conf are dictionaries, `running` a flag, and every call
/// is logged by name. Faults are injected by call name or by call number: a call fails
/// with an error, or is killed part way (it does part of its work, then throws
/// ``Interrupted`` as a kill would leave it).
///
/// Bundling and unpacking go through real directories made for the moment, so the store
/// the captures and restores use is a real one.
package final class InMemoryManagerHost: ManagerHost, @unchecked Sendable {
    /// What an injected fault does.
    package enum Fault: Sendable {
        /// The call throws this before doing anything.
        case fail(any Error)
        /// The call does part of its work (half the files of a move or an unpack, else all
        /// of it) and then throws ``Interrupted``.
        case kill
    }

    /// The error a test injects when any failure will do.
    package struct InjectedFailure: Error, CustomStringConvertible {
        package var call: String
        package init(call: String) { self.call = call }
        package var description: String { "injected failure in \(call)" }
    }

    /// A Mnesia directory's files by relative name; nil for a missing directory.
    package typealias Files = [String: [UInt8]]

    private struct State {
        var mnesia: Files?
        var rescue: Files?
        var staging: Files?
        var conf: [String: String] = [:]
        var confBackups: [String: [String: String]] = [:]
        var running: Bool
        var loadedDump: [UInt8]?
        var consoleReplies: [String: String] = [:]
        var filesKeepChanging = false
        var calls: [String] = []
        var faultsByName: [String: Fault] = [:]
        var faultsByNumber: [Int: Fault] = [:]
    }

    package let node: ManagerNode
    /// The dump `dump-mnesia-data` writes until a dump is loaded.
    package let dumpText: String
    /// The ring hash the console's `status` shows.
    package let ringHash: String
    private let lock = NSLock()
    private var state: State

    package init(
        node: ManagerNode, mnesia: Files?, running: Bool = true, conf: [String: String] = [:],
        ringHash: String = "41e0c107", dumpText: String = InMemoryManagerHost.defaultDump
    ) {
        self.node = node
        self.ringHash = ringHash
        self.dumpText = dumpText
        state = State(mnesia: mnesia, running: running)
        state.conf = conf
    }

    /// A small valid `dump-mnesia-data` output.
    package static let defaultDump = """
        {tables,[{leo_s3_users,[{record_name,leo_s3_users},{attributes,[id,created_at]}]}]}.
        {leo_s3_users,<<"_test_leofs">>,1500000000}.

        """

    private func locked<T>(_ body: (inout State) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    // MARK: What a test reads and sets

    package var mnesia: Files? { locked { $0.mnesia } }
    package var rescue: Files? { locked { $0.rescue } }
    package var staging: Files? { locked { $0.staging } }
    package var conf: [String: String] { locked { $0.conf } }
    package var running: Bool { locked { $0.running } }
    /// The bytes of the last dump loaded, if any.
    package var loadedDump: [UInt8]? { locked { $0.loadedDump } }
    /// Every call so far, by name, in order.
    package var calls: [String] { locked { $0.calls } }
    /// Makes every settling copy see files change.
    package func keepChangingFiles(_ changing: Bool = true) { locked { $0.filesKeepChanging = changing } }
    /// The console's reply to `command` from now on.
    package func reply(_ reply: String, to command: String) { locked { $0.consoleReplies[command] = reply } }

    /// The next call named `name` (`stop`, `rescueMnesia`, the cold copy's `copy` ...) does `fault`.
    package func inject(_ fault: Fault, at name: String) { locked { $0.faultsByName[name] = fault } }
    /// Call number `number` (1 is the first call ever made) does `fault`.
    package func inject(_ fault: Fault, atCall number: Int) { locked { $0.faultsByNumber[number] = fault } }

    /// Runs call `name`: logs it, applies an injected fault, else runs `body`. A kill runs
    /// `partial` (default: `body`) and then throws.
    private func call<T>(_ name: String, partial: (() throws -> Void)? = nil, _ body: () throws -> T) throws -> T {
        let fault = locked { state -> Fault? in
            state.calls.append(name)
            return state.faultsByNumber.removeValue(forKey: state.calls.count)
                ?? state.faultsByName.removeValue(forKey: name)
        }
        switch fault {
        case .fail(let error)?:
            throw error
        case .kill?:
            if let partial { try partial() } else { _ = try body() }
            throw Interrupted(signal: SIGTERM, state: "killed in \(name) of \(node.name)")
        case nil:
            return try body()
        }
    }

    private func requireRunning(_ step: String) throws {
        guard running else { throw LeoFSError.notRunning(node: node.name, step: step) }
    }

    // MARK: Launch script

    package func isRunning() throws -> Bool { try call("isRunning") { running } }
    package func isDown() throws -> Bool { try call("isDown") { !running } }
    package func stop() throws { try call("stop") { locked { $0.running = false } } }

    /// Starts the node; an empty Mnesia directory gets a fresh schema, as a first boot does.
    package func start() throws {
        try call("start") {
            locked { state in
                if state.mnesia?.isEmpty ?? true { state.mnesia = ["schema.DAT": Array("fresh \(node.nodename)".utf8)] }
                state.running = true
            }
        }
    }

    package func waitReady() throws { try call("waitReady") { try requireRunning("wait_ready") } }

    // MARK: Dumps and the console

    package var hostName: String { ToolInfo.host }

    package func dumpTables() throws -> [TableSummary] {
        try call("dumpTables") {
            try requireRunning("dump-mnesia-data")
            let directory = TemporaryDirectory("fake-dump")
            return try withExtendedLifetime(directory) {
                let path = directory("mnesia.dump")
                try FileOps.writeAtomically(locked { $0.loadedDump } ?? Array(dumpText.utf8), to: path)
                return try MnesiaDump.parse(contentsOf: path).summaries
            }
        }
    }

    package func load(dumpOf record: SnapshotRecord, from store: Store) throws {
        try call("load") {
            try requireRunning("load-mnesia-data")
            let content = try Self.content(of: record, from: store)
            locked { $0.loadedDump = content.dump }
        }
    }

    package func removeStaleDumps() { _ = try? call("removeStaleDumps") {} }

    package func console(_ command: String) throws -> String {
        try call("console") {
            try requireRunning("console")
            if let reply = locked({ $0.consoleReplies[command] }) { return reply }
            if command.hasPrefix("update-managers ") { return "OK\r\n" }
            guard command == "status" else { return "[ERROR] Command not exist\r\n" }
            return """
                 [System Confiuration]
                -----------------------------------+----------
                 cluster Id                        | leofs_1
                 current ring-hash                 | \(ringHash)
                 previous ring-hash                | \(ringHash)

                """
        }
    }

    // MARK: Capturing the Mnesia directory

    package func checkMnesiaDirectory(shownAs: String?) throws {
        try call("checkMnesiaDirectory") {
            let directory = TemporaryDirectory("fake-check")
            try withExtendedLifetime(directory) {
                try Self.write(mnesia ?? [:], to: directory.path)
                try MnesiaDirectoryCheck.require(
                    directory.path, node: node.name, shownAs: shownAs ?? node.mnesiaDirectory)
            }
        }
    }

    /// The files (and the dump) are written to directories made for the moment; a live
    /// copy's every `scan` fails while ``keepChangingFiles(_:)`` is on.
    package func withCapture<T>(_ sources: CaptureSources, _ body: (any CaptureBundler) throws -> T) throws -> T {
        try call("withCapture") {
            if sources.dump { try requireRunning("dump-mnesia-data") }
            let directory = TemporaryDirectory("fake-capture")
            return try withExtendedLifetime(directory) {
                var bundle = BundleSources(mnesiaDirectory: nil)
                if let files = sources.files {
                    try FileManager.default.createDirectory(
                        atPath: directory("mnesia"), withIntermediateDirectories: true)
                    try Self.write(mnesia ?? [:], to: directory("mnesia"))
                    bundle.mnesiaDirectory = directory("mnesia")
                    bundle.stableFor = files == .live ? node.settle : 0
                }
                if sources.dump {
                    bundle.dumpFile = directory("mnesia.dump")
                    try FileOps.writeAtomically(
                        locked { $0.loadedDump } ?? Array(dumpText.utf8), to: directory("mnesia.dump"))
                }
                let changing = sources.files == .live && locked { $0.filesKeepChanging }
                return try body(
                    FakeBundler(
                        local: LocalBundler(bundle, shownAs: sources.files == nil ? nil : node.mnesiaDirectory),
                        changing: changing, host: self))
            }
        }
    }

    /// Counts a listing of the files, failing it while they keep changing.
    fileprivate func scan(changing: Bool) throws {
        try call("scan") {
            if changing { throw BundleError.fileChanged(path: node.mnesiaDirectory + "/LATEST.LOG") }
        }
    }

    /// Its steps are calls of their own: `stop`, `copy`, `start`, `waitReady`.
    package func coldCopy<T>(scratch: String, _ body: (ColdCopyOutcome, (any CaptureBundler)?) throws -> T) throws
        -> T
    {
        let directory = TemporaryDirectory("fake-cold")
        return try withExtendedLifetime(directory) {
            let stopped = Result { try stop() }
            let copied = stopped.flatMap {
                Result { try call("copy") { try Self.write(mnesia ?? [:], to: directory.path) } }
            }
            let started = Result { try startAndWait() }
            let outcome = ColdCopyOutcome(stopped: stopped, copied: copied, started: started)
            let copy = (try? copied.get()).map { LocalBundler(BundleSources(mnesiaDirectory: directory.path)) }
            return try body(outcome, copy)
        }
    }

    // MARK: Restoring the Mnesia directory

    package func surveyMnesia() throws -> TargetDirectory {
        try call("surveyMnesia") {
            let files = mnesia
            return TargetDirectory(
                existed: files != nil, uid: getuid(), gid: getgid(), mode: 0o755, files: files?.count ?? 0,
                bytes: Int64(files?.values.reduce(0) { $0 + $1.count } ?? 0))
        }
    }

    package func spaceBesideMnesia() throws -> FreeSpace {
        try call("spaceBesideMnesia") {
            FreeSpace(path: (node.mnesiaDirectory as NSString).deletingLastPathComponent, available: 1 << 50)
        }
    }

    /// Moves `count` files (all by default) from the Mnesia directory to the rescue.
    private func moveToRescue(count: Int = .max) {
        locked { state in
            var rescue = state.rescue ?? [:]
            for name in (state.mnesia ?? [:]).keys.sorted().prefix(count) {
                rescue[name] = state.mnesia?.removeValue(forKey: name)
            }
            state.rescue = rescue
        }
    }

    package func rescueMnesia(to rescue: String) throws -> (files: Int, bytes: Int64) {
        try call("rescueMnesia", partial: { self.moveToRescue(count: max((self.mnesia?.count ?? 0) / 2, 1)) }) {
            moveToRescue()
            let files = self.rescue ?? [:]
            return (files.count, Int64(files.values.reduce(0) { $0 + $1.count }))
        }
    }

    package func rescuedNames(in rescue: String) throws -> [String] {
        try call("rescuedNames") { (self.rescue ?? [:]).keys.sorted() }
    }

    package func rescueDirectory(for layout: RestoreLayout) -> String { layout.rescue(node.name) }

    package func unpackOverhead(of record: SnapshotRecord) -> Int64 { 0 }

    package func withRescuedFiles<T>(in rescue: String, _ body: (any CaptureBundler) throws -> T) throws -> T {
        try call("withRescuedFiles") {
            let directory = TemporaryDirectory("fake-rescue")
            return try withExtendedLifetime(directory) {
                try Self.write(self.rescue ?? [:], to: directory.path)
                return try body(LocalBundler(BundleSources(mnesiaDirectory: directory.path)))
            }
        }
    }

    package func discardRescue(_ rescue: String) throws { try call("discardRescue") { locked { $0.rescue = nil } } }

    package func unpackSnapshot(_ record: SnapshotRecord, from store: Store, owner: TargetDirectory) throws {
        let files = try Self.content(of: record, from: store).mnesia
        let half = Dictionary(uniqueKeysWithValues: files.sorted { $0.key < $1.key }.prefix(files.count / 2).map { $0 })
        try call("unpackSnapshot", partial: { self.locked { $0.staging = half } }) { locked { $0.staging = files } }
    }

    package func swapInStaging(expected: () throws -> BundleManifest) throws {
        try call("swapInStaging") {
            guard let staging else {
                let wanted = try expected().files.filter { $0.path.hasPrefix("mnesia/") && $0.type == .file }
                let names = Set(wanted.map { String($0.path.dropFirst("mnesia/".count)) })
                guard Set((mnesia ?? [:]).keys) == names else {
                    throw RestoreCheckFailed(detail: "staging is gone and the Mnesia directory is not the snapshot's")
                }
                return
            }
            guard mnesia?.isEmpty ?? true else {
                throw RestoreCheckFailed(detail: "the Mnesia directory is not empty after the rescue")
            }
            locked { state in
                state.mnesia = staging
                state.staging = nil
            }
        }
    }

    package func putBack(_ previous: PreviousMnesiaFiles, from store: Store) throws {
        func moveBack(count: Int) {
            locked { state in
                state.staging = nil
                let names = (state.rescue ?? [:]).keys.sorted().prefix(count)
                if !names.isEmpty && state.mnesia == nil { state.mnesia = [:] }
                for name in names { state.mnesia?[name] = state.rescue?.removeValue(forKey: name) }
                if !previous.original.existed, state.mnesia?.isEmpty == true { state.mnesia = nil }
            }
        }
        try call("putBack", partial: { moveBack(count: max((self.rescue?.count ?? 0) / 2, 1)) }) {
            guard previous.liveWasReplaced else { return moveBack(count: .max) }
            var replacement: Files?
            if previous.original.existed {
                if let record = previous.preRestore {
                    let checked = try Self.content(of: record, from: store).mnesia
                    replacement = rescue == checked ? rescue : checked
                } else if previous.original.files > 0 {
                    throw RestoreCheckFailed(detail: "no pre-restore snapshot of \(node.name)")
                } else {
                    replacement = [:]
                }
            }
            locked { state in
                state.staging = nil
                state.mnesia = replacement
            }
        }
    }

    // MARK: Conf

    package func partnerConfFile() throws -> String {
        try call("partnerConfFile") { node.home + "/etc/leo_manager.conf" }
    }

    package func setPartner(_ partner: String, in file: String, backup: String) throws {
        try call("setPartner") {
            locked { state in
                if state.confBackups[backup] == nil { state.confBackups[backup] = state.conf }
                state.conf["manager.partner"] = partner
            }
        }
    }

    package func restoreConf(_ backup: ConfBackup) throws {
        try call("restoreConf") {
            locked { state in
                if let saved = state.confBackups.removeValue(forKey: backup.backup) { state.conf = saved }
            }
        }
    }

    // MARK: Files on disk for the moment

    /// Writes `files` into the (existing or new) directory `path`.
    package static func write(_ files: Files, to path: String) throws {
        try FileOps.makeDirectory(path)
        for (name, bytes) in files { try FileOps.writeAtomically(bytes, to: path + "/" + name) }
    }

    /// The regular files directly under `path`.
    package static func read(_ path: String) throws -> Files {
        var files: Files = [:]
        for name in try FileOps.listDirectory(path) { files[name] = try FileOps.readFile(path + "/" + name) }
        return files
    }

    /// What a snapshot's bundle holds: its Mnesia files and its dump.
    package static func content(of record: SnapshotRecord, from store: Store) throws -> (mnesia: Files, dump: [UInt8]?)
    {
        let directory = TemporaryDirectory("fake-extract")
        return try withExtendedLifetime(directory) {
            let target = directory("content")
            _ = try ExtractOperation.extract(record, from: store, to: target)
            let mnesia = FileOps.exists(target + "/mnesia") ? try read(target + "/mnesia") : [:]
            let dumpPath = target + "/" + BundleBuilder.dumpPath
            return (mnesia, FileOps.exists(dumpPath) ? try FileOps.readFile(dumpPath) : nil)
        }
    }
}

/// A local bundler whose listings the fake host counts (and fails while files keep changing).
private struct FakeBundler: CaptureBundler, @unchecked Sendable {
    // The host is only driven by one test thread.
    var local: LocalBundler
    var changing: Bool
    var host: InMemoryManagerHost

    var shownAs: String? { local.shownAs }
    func tables() throws -> [TableSummary]? { try local.tables() }

    func scan() throws -> any ScannedCapture {
        try host.scan(changing: changing)
        return try local.scan()
    }
}
