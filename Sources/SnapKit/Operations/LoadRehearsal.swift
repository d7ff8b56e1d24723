import Foundation
import Glibc

/// `snap verify --load` for one snapshot: its bundle unpacked into a private directory, its
/// Mnesia files booted in a private Erlang node (``MnesiaRehearsal``) and its dump loaded
/// into a fresh one, every table written out, counted and compared with the record's
/// summary. The private directory is removed when the rehearsal ends, however it ends.
struct LoadRehearsal {
    var runtime: ErlangRuntime
    /// The deadline of each VM (the manager's `timeout`).
    var timeout: Double
    /// Where private directories are made (``directory(environment:)``).
    var root: String

    /// The rehearsals' directory: `$TMPDIR/snap-rehearsals-<uid>` (`/tmp` without
    /// `TMPDIR`), mode 0700, one `<pid>-<hex>` directory per rehearsal, removed by it; those
    /// of processes that are gone (snap killed) are removed by the next rehearsal. Outside
    /// the store on purpose: an encrypted snapshot's plaintext never lands there.
    static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        var base = environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        if !base.hasPrefix("/") { base = FileManager.default.currentDirectoryPath + "/" + base }
        return base + "/snap-rehearsals-\(getuid())"
    }

    /// Makes ``root`` (0700) unless it is there, owned by this user and private.
    /// - Throws: ``SystemError`` when it cannot be made, or is another user's or open to others.
    private func makeRoot() throws {
        if !FileOps.exists(root) {
            do {
                try FileOps.makeDirectory(root)
            } catch  where FileOps.exists(root) {}  // another rehearsal made it meanwhile
        }
        guard let status = try FileOps.status(root), (status.st_mode & S_IFMT) == S_IFDIR, status.st_uid == getuid(),
            status.st_mode & 0o077 == 0
        else { throw SystemError("use the rehearsal directory (not this user's, or open to others)", root, .last) }
    }

    /// Rehearses `record` of `store`.
    /// - Returns: the verdict; a snapshot that does not load is a verdict, not an error.
    /// - Throws: ``RehearsalError`` (no runtime, no Mnesia), ``Interrupted``, ``DamageFound``
    ///   and the bundle's other errors when it cannot be unpacked.
    func rehearse(_ record: SnapshotRecord, from store: Store, now: Date = Date()) throws -> LoadVerdict {
        let started = Date()
        try makeRoot()
        Self.removeAbandoned(in: root)
        let workspace = root + "/\(getpid())-" + FileOps.randomHex(bytes: 6)
        try FileOps.makeDirectory(workspace)
        defer { try? FileOps.removeTree(workspace) }
        let content = workspace + "/content"
        _ = try ExtractOperation.extract(record, from: store, to: content)
        let rehearsal = MnesiaRehearsal(runtime: runtime, timeout: timeout)
        var problems: [String] = []
        var notes: [String] = []
        var forced: [String] = []
        var tables: [TableSummary] = []
        let mnesia = content + "/mnesia"
        if FileOps.exists(mnesia) {
            let outcome = try rehearsal.run(
                .files(directory: mnesia, node: record.nodename, partner: record.partner),
                output: workspace + "/files.dump", workDirectory: workspace)
            forced = outcome.forced
            // A hot copy's dump was taken by the running node before its files were copied:
            // a write in between (the operator's, or LeoFS's own history of console commands)
            // makes them differ without damage, so that is said, not failed. Where both come
            // from one state (`from-dir`), a difference is damage.
            var differences: [String] = []
            let loaded = try judge(
                outcome, of: "the Mnesia files", expected: record.tables, problems: &problems,
                differences: &differences)
            if record.mode == .filesAndDump {
                notes += differences.map { "\($0) (the dump was taken just before the hot copy)" }
            } else {
                problems += differences
            }
            tables = loaded?.summaries ?? []
        }
        let dump = content + "/dump/mnesia.dump"
        if record.hasDump, FileOps.exists(dump) {
            let fresh = workspace + "/fresh"
            try FileOps.makeDirectory(fresh)
            let outcome = try rehearsal.run(
                .dump(file: dump, directory: fresh, node: record.nodename), output: workspace + "/dump.dump",
                workDirectory: workspace)
            var differences: [String] = []
            let loaded = try judge(
                outcome, of: "the dump", expected: record.tables, problems: &problems, differences: &differences)
            problems += differences
            if !FileOps.exists(mnesia) { tables = loaded?.summaries ?? [] }
        }
        if !FileOps.exists(mnesia) && !(record.hasDump && FileOps.exists(dump)) {
            problems.append("the snapshot holds neither Mnesia files nor a dump")
        }
        return LoadVerdict(
            checked: now, ok: problems.isEmpty, seconds: (Date().timeIntervalSince(started) * 1000).rounded() / 1000,
            tables: tables, forced: forced.isEmpty ? nil : forced.sorted(), problems: problems.isEmpty ? nil : problems,
            notes: notes.isEmpty ? nil : notes, runtime: runtime.description)
    }

    /// What `outcome` says about `what`: its problems, how its tables differ from
    /// `expected`, and the tables as loaded when they were written out.
    private func judge(
        _ outcome: MnesiaRehearsal.Outcome, of what: String, expected: [TableSummary]?, problems: inout [String],
        differences: inout [String]
    ) throws -> MnesiaDump? {
        let said =
            outcome.lastLines.isEmpty ? "" : " (the VM's last lines: \(outcome.lastLines.joined(separator: " | ")))"
        if let failure = outcome.failure {
            problems.append("\(what) did not load: \(failure)\(said)")
        }
        for (table, result) in outcome.refused.sorted(by: { $0.key < $1.key }) {
            problems.append("table \(table) could not be force-loaded from \(what): \(result)")
        }
        let when = outcome.failure == nil ? " before the deadline (the manager's timeout, \(Int(timeout)) s)" : ""
        for table in outcome.notLoaded.sorted() where outcome.refused[table] == nil {
            problems.append("table \(table) did not load from \(what)\(when)")
        }
        guard let path = outcome.dump else {
            if outcome.failure == nil && outcome.notLoaded.isEmpty && outcome.refused.isEmpty {
                problems.append("\(what) did not load: the VM ended with status \(outcome.status)\(said)")
            }
            return nil
        }
        let loaded: MnesiaDump
        do {
            loaded = try MnesiaDump.parse(contentsOf: path)
        } catch {
            problems.append("the tables loaded from \(what) could not be read back: \(error)")
            return nil
        }
        if let expected {
            differences += Self.differences(expected: expected, loaded: loaded.summaries, from: what)
        }
        return loaded
    }

    /// One line per table whose loaded rows differ from the record's, in count or content,
    /// and per table loaded with rows that the record does not list.
    static func differences(expected: [TableSummary], loaded: [TableSummary], from what: String) -> [String] {
        let found = Dictionary(loaded.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let listed = Set(expected.map(\.name))
        var lines: [String] = expected.compactMap { table in
            guard let now = found[table.name] else {
                return "table \(table.name) is missing from \(what) (\(table.rows) rows in the record)"
            }
            if now.rows != table.rows {
                return "table \(table.name): \(now.rows) rows loaded from \(what), the record has \(table.rows)"
            }
            if now.digest != table.digest {
                return "table \(table.name): \(now.rows) rows loaded from \(what) as the record has, but other rows"
            }
            return nil
        }
        lines += loaded.filter { !listed.contains($0.name) && $0.rows > 0 }.map {
            "table \($0.name): \($0.rows) rows loaded from \(what), a table the record does not list"
        }
        return lines
    }

    /// Removes the private directories of rehearsals whose process is gone.
    static func removeAbandoned(in root: String) {
        for name in (try? FileOps.listDirectory(root)) ?? [] {
            guard let pid = name.split(separator: "-").first.flatMap({ pid_t($0) }), pid != getpid(),
                kill(pid, 0) != 0 && errno == ESRCH
            else { continue }
            try? FileOps.removeTree(root + "/" + name)
        }
    }
}
