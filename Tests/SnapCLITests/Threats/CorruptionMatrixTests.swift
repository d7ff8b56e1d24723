import Foundation
import SnapTestSupport
import Testing

/// Every kind of store file, damaged in every way: each case is found and named by the
/// commands that read that file, with the documented exit code and no crash, and every
/// other snapshot still lists, verifies and extracts.
@Suite struct CorruptionMatrixTests {
    /// The files a store is made of.
    enum FileKind: String, CaseIterable, Sendable {
        case bundle, record, manifest
        case storeInfo = "store.json"
        case auditLog = "audit.log"
        case lock, journal
    }

    @Test func everyDamageToEveryStoreFileIsFoundAndTheOtherSnapshotsStayUsable() throws {
        let template = try MatrixStore(TemporaryDirectory("matrix"))
        var generator = SeededGenerator(seed: 20_261_206)
        var detected: [FileKind: Int] = [:]
        var cases = 0
        for kind in FileKind.allCases {
            for damage in FileDamage.allCases {
                cases += 1
                let scene = try template.copy(label: "\(kind.rawValue)-\(cases)")
                var log = CaseLog(name: "\(kind.rawValue), \(damage)")
                try scene.check(kind, damage, &log, using: &generator)
                if log.failures.isEmpty { detected[kind, default: 0] += 1 }
            }
        }
        let total = detected.values.reduce(0, +)
        let perKind = FileKind.allCases.map { "\($0.rawValue) \(detected[$0, default: 0])" }.joined(separator: ", ")
        print("corruption matrix: \(total) of \(cases) cases detected (\(perKind))")
        #expect(total == cases)
    }

    @Test func verifyAllKeepsGoingAndNamesEveryBadSnapshot() throws {
        let template = try MatrixStore(TemporaryDirectory("matrix-all"), extraSnapshots: 2)
        let scene = try template.copy(label: "all-bad")
        var generator = SeededGenerator(seed: 7)
        let ids = scene.ids
        try FileDamage.flipByte.apply(to: scene.bundlePath(ids[0]), using: &generator)
        try FileDamage.delete.apply(to: scene.bundlePath(ids[1]), using: &generator)
        try FileDamage.garbage.apply(to: scene.recordPath(ids[2]), using: &generator)
        try FileDamage.truncateHalf.apply(to: scene.bundlePath(ids[3]), using: &generator)
        let good = ids[4]

        var log = CaseLog(name: "four bad snapshots")
        let verify = try scene.snap(["verify", "--all"], &log)
        log.expect(verify.status == 4, "verify --all exits 4, not \(verify.status)")
        for id in [ids[0], ids[1], ids[3]] {
            log.expect(verify.stdout.contains("FAILED  \(id)"), "verify --all names \(id): \(verify.stdout)")
        }
        log.expect(verify.stdout.contains(scene.recordPath(ids[2])), "verify --all names the damaged record")
        log.expect(!verify.stdout.contains("FAILED  \(good)"), "the good snapshot passes")
        log.expect(verify.stdout.contains("verified 5 snapshots: 1 ok, 4 failed"), "the count: \(verify.stdout)")
        let json = try scene.snap(["verify", "--all", "--json"], &log)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        log.expect((report?["failed"] as? [Any])?.count == 4, "--json lists the 4 failures: \(json.stdout)")
        log.expect(report?["ok"] as? Int == 1, "--json counts 1 ok")
        try scene.expectUsable([good], &log)
        #expect(log.failures.isEmpty)
    }
}

/// The outcome of one damage case: every expectation that failed, also reported as an issue.
struct CaseLog {
    let name: String
    var failures: [String] = []

    init(name: String) { self.name = name }

    mutating func expect(
        _ condition: Bool, _ what: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard !condition else { return }
        let message = "\(name): \(what())"
        failures.append(message)
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// A run that ended by itself: no signal, no Swift runtime failure or backtrace.
    mutating func expectNoCrash(_ result: ProcessResult, _ what: String, sourceLocation: SourceLocation) {
        let crashMarks = ["Fatal error", "Program crashed", "Current stack trace", "Stack dump", "Backtrace"]
        let mark = crashMarks.first { result.stderr.contains($0) }
        expect(
            result.signal == nil && mark == nil,
            "\(what) crashed (signal \(result.signal.map(String.init) ?? "none")): \(result.stderr)",
            sourceLocation: sourceLocation)
    }
}

/// A store with three snapshots (`manager_0`, `manager_1`, `manager_0`: the middle one is
/// the victim of each damage), its sources, and a config naming a stopped manager pair
/// whose `bin/leo_manager` answers every command as a stopped node's does (`Node is not
/// running!`, exit 1): enough to plan, journal and refuse restores.
final class MatrixStore: Sendable {
    let directory: TemporaryDirectory
    let ids: [String]

    var victim: String { ids[1] }
    var others: [String] { ids.enumerated().filter { $0.offset != 1 }.map(\.element) }
    var store: String { directory("store") }
    var config: String { directory("snap.yaml") }

    /// Makes the template: `extraSnapshots` more, on `manager_0`, after the three.
    init(_ directory: TemporaryDirectory, extraSnapshots: Int = 0) throws {
        self.directory = directory
        try MnesiaFixture.make(at: directory("fixture"), rows: 40, dump: directory("mnesia.dump"))
        var pair = "store: store\nmanagers:\n"
        for index in 0..<2 {
            let home = directory("leo_manager_\(index)")
            try FileManager.default.createDirectory(
                atPath: home + "/work/mnesia/127.0.0.1", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: home + "/etc", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: home + "/bin", withIntermediateDirectories: true)
            try "#!/bin/sh\necho 'Node is not running!'\nexit 1\n"
                .write(toFile: home + "/bin/leo_manager", atomically: true, encoding: .utf8)
            chmod(home + "/bin/leo_manager", 0o755)
            try "nodename = mx\(index)@127.0.0.1\nmanager.partner = mx\(1 - index)@127.0.0.1\nconsole.port.cui = 1\n"
                .write(toFile: home + "/etc/leo_manager.conf", atomically: true, encoding: .utf8)
            pair += "  - name: manager_\(index)\n    home: leo_manager_\(index)\n    timeout: 5\n"
        }
        try pair.write(toFile: directory("snap.yaml"), atomically: true, encoding: .utf8)
        let initialized = try SnapBinary.run(["init", "--config", directory("snap.yaml")])
        try #require(initialized.status == 0, "\(initialized.stderr)")
        var ids: [String] = []
        for number in 1...(3 + extraSnapshots) {
            // Different content each, so every snapshot has its own bundle.
            let source = directory("source-\(number)")
            try FileManager.default.copyItem(atPath: directory("fixture"), toPath: source)
            try "snapshot \(number)\n".write(toFile: source + "/LATEST.LOG", atomically: true, encoding: .utf8)
            let node = number == 2 ? "manager_1" : "manager_0"
            let created = try SnapBinary.run([
                "create", "--from-dir", source, "--node", node, "--dump", directory("mnesia.dump"), "--json",
                "--config", directory("snap.yaml"),
            ])
            try #require(created.status == 0, "\(created.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]]
            ids.append(try #require(records?.first?["id"] as? String))
        }
        self.ids = ids
        let bundles = try FileManager.default.contentsOfDirectory(atPath: store + "/bundles")
        try #require(bundles.filter { $0.hasSuffix(".tar.zst") }.count == ids.count, "one bundle per snapshot")
    }

    private init(directory: TemporaryDirectory, ids: [String]) {
        self.directory = directory
        self.ids = ids
    }

    /// A copy of everything (the config's paths are relative), for one case to damage.
    func copy(label: String) throws -> MatrixStore {
        let target = TemporaryDirectory(label)
        try FileManager.default.removeItem(atPath: target.path)
        let copied = try ProcessRunner.run("/bin/cp", ["-a", directory.path, target.path])
        try #require(copied.status == 0, "\(copied.stderr)")
        return MatrixStore(directory: target, ids: ids)
    }

    func recordPath(_ id: String) -> String { store + "/snapshots/\(id).json" }

    func bundleSha(_ id: String) throws -> String {
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: recordPath(id))))
        return try #require((record as? [String: Any])?["bundle_sha256"] as? String)
    }

    func bundlePath(_ id: String) throws -> String { store + "/bundles/\(try bundleSha(id)).tar.zst" }
    func manifestPath(_ id: String) throws -> String { store + "/bundles/\(try bundleSha(id)).manifest.json" }

    /// Runs snap with this scene's config, checking that it did not crash.
    @discardableResult
    func snap(
        _ arguments: [String], _ log: inout CaseLog, environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProcessResult {
        let result = try SnapBinary.run(
            arguments + ["--config", config], environment: environment, directory: directory.path)
        log.expectNoCrash(result, "snap " + arguments.joined(separator: " "), sourceLocation: sourceLocation)
        return result
    }

    /// `ids` list, verify, and extract into a directory that `sha256sum -c` accepts.
    func expectUsable(_ ids: [String], _ log: inout CaseLog, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let list = try snap(["list", "--json"], &log, sourceLocation: sourceLocation)
        log.expect(list.status == 0, "list exits \(list.status): \(list.stderr)", sourceLocation: sourceLocation)
        for id in ids {
            log.expect(list.stdout.contains("\"\(id)\""), "list shows \(id)", sourceLocation: sourceLocation)
        }
        let verify = try snap(["verify"] + ids, &log, sourceLocation: sourceLocation)
        log.expect(
            verify.status == 0, "verify \(ids) exits \(verify.status): \(verify.stdout)\(verify.stderr)",
            sourceLocation: sourceLocation)
        for id in ids {
            let out = directory("out-\(id)-\(UUID().uuidString.prefix(4))")
            let extract = try snap(["extract", id, "--to", out], &log, sourceLocation: sourceLocation)
            log.expect(
                extract.status == 0, "extract \(id) exits \(extract.status): \(extract.stderr)",
                sourceLocation: sourceLocation)
            let sums = try? ProcessRunner.shell("sha256sum -c --quiet SHA256SUMS", directory: out)
            log.expect(sums?.status == 0, "sha256sum -c in the extract of \(id)", sourceLocation: sourceLocation)
        }
    }
}

extension MatrixStore {
    /// Damages the victim's file of `kind` and checks what every relevant command says.
    func check(
        _ kind: CorruptionMatrixTests.FileKind, _ damage: FileDamage, _ log: inout CaseLog,
        using generator: inout SeededGenerator
    ) throws {
        switch kind {
        case .bundle: try checkBundle(damage, &log, &generator)
        case .record: try checkRecord(damage, &log, &generator)
        case .manifest: try checkManifest(damage, &log, &generator)
        case .storeInfo: try checkStoreInfo(damage, &log, &generator)
        case .auditLog: try checkAuditLog(damage, &log, &generator)
        case .lock: try checkLock(damage, &log, &generator)
        case .journal: try checkJournal(damage, &log, &generator)
        }
    }

    /// A damaged bundle fails `verify` (exit 4) and `extract`, is marked in the record, makes
    /// `check` warn, and is never reused by a create of the same content, which puts it back.
    private func checkBundle(_ damage: FileDamage, _ log: inout CaseLog, _ generator: inout SeededGenerator) throws {
        let bundle = try bundlePath(victim)
        try damage.apply(to: bundle, using: &generator)
        let verify = try snap(["verify", "--all"], &log)
        log.expect(verify.status == 4, "verify --all exits \(verify.status), not 4")
        log.expect(verify.stdout.contains("FAILED  \(victim)"), "verify --all names the snapshot: \(verify.stdout)")
        log.expect(verify.stdout.contains(bundle), "verify --all names the bundle file: \(verify.stdout)")
        log.expect(verify.stdout.contains("verified 3 snapshots: 2 ok, 1 failed"), "verify --all: \(verify.stdout)")
        let json = try snap(["verify", "--all", "--json"], &log)
        let report = try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let failed = (report?["failed"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        log.expect(json.status == 4 && failed == [victim], "verify --all --json fails only the victim: \(json.stdout)")
        let show = try snap(["show", victim], &log)
        log.expect(show.status == 0 && show.stdout.contains("FAILED"), "show gives the verdict: \(show.stdout)")
        let out = directory("out-victim")
        let extract = try snap(["extract", victim, "--to", out], &log)
        log.expect(extract.status == 4, "extract exits \(extract.status), not 4")
        log.expect(extract.stderr.contains(bundle), "extract names the bundle file: \(extract.stderr)")
        log.expect(!FileManager.default.fileExists(atPath: out), "a failed extract leaves nothing")
        let check = try snap(["check"], &log)
        log.expect(check.status == 1, "check exits \(check.status), not 1 (WARNING): \(check.stdout)")
        log.expect(
            check.stdout.contains("WARNING: manager_1") && check.stdout.contains("FAILED verification"),
            "\(check.stdout)")
        try expectUsable(others, &log)
        // The same content again: the damaged bundle is not reused, it is written again.
        let again = try snap(
            ["create", "--from-dir", directory("source-2"), "--node", "manager_1", "--dump", directory("mnesia.dump")],
            &log)
        log.expect(again.status == 0, "create of the same content exits \(again.status): \(again.stderr)")
        log.expect(again.stderr.contains(bundle), "create names the damaged bundle: \(again.stderr)")
        try expectUsable([victim], &log)
    }

    /// A damaged record is named by `list`, `show`, `verify --all` (exit 4) and `check`;
    /// its bundle is kept. A deleted one is indistinguishable from a pruned one except
    /// through the audit log, which `verify --all` reads for a warning.
    private func checkRecord(_ damage: FileDamage, _ log: inout CaseLog, _ generator: inout SeededGenerator) throws {
        let record = recordPath(victim)
        let bundle = try bundlePath(victim)
        try damage.apply(to: record, using: &generator)
        let list = try snap(["list"], &log)
        log.expect(list.status == 0, "list exits \(list.status)")
        let show = try snap(["show", victim], &log)
        log.expect(show.status == 1, "show exits \(show.status), not 1")
        let verify = try snap(["verify", "--all"], &log)
        let check = try snap(["check"], &log)
        log.expect(check.status == 2, "check exits \(check.status), not 2 (manager_1 has no readable snapshot)")
        log.expect(check.stdout.contains("CRITICAL: manager_1"), "check: \(check.stdout)")
        if damage == .delete {
            log.expect(show.stderr.contains("no snapshot matches \(victim)"), "show: \(show.stderr)")
            log.expect(verify.status == 0, "verify --all exits \(verify.status): the other records verify")
            log.expect(
                verify.stderr.contains(record) && verify.stderr.contains("created by audit entry"),
                "verify --all warns of the missing record: \(verify.stderr)")
        } else {
            log.expect(list.stderr.contains(record) && list.stderr.contains("damaged"), "list: \(list.stderr)")
            log.expect(show.stderr.contains("error: \(record) is damaged"), "show names the record: \(show.stderr)")
            log.expect(verify.status == 4, "verify --all exits \(verify.status), not 4")
            log.expect(verify.stdout.contains(record), "verify --all names the record: \(verify.stdout)")
            log.expect(verify.stdout.contains("verified 3 snapshots: 2 ok, 1 failed"), "\(verify.stdout)")
            log.expect(check.stdout.contains("WARNING: store") && check.stdout.contains(record), "\(check.stdout)")
            // Backups go on, and the damaged record's bundle is not taken for a crash leftover.
            let create = try snap(
                [
                    "create", "--from-dir", directory("source-1"), "--node", "manager_0", "--dump",
                    directory("mnesia.dump"),
                ],
                &log)
            log.expect(create.status == 0, "create exits \(create.status): \(create.stderr)")
            log.expect(FileManager.default.fileExists(atPath: bundle), "the damaged record's bundle is kept")
        }
        try expectUsable(others, &log)
    }

    /// The manifest copy beside a bundle serves `show --files`, `diff` and `extract`, which
    /// name it when it is bad, and a restore refuses before touching anything; `verify`
    /// writes it again from the bundle, which is the authority.
    private func checkManifest(_ damage: FileDamage, _ log: inout CaseLog, _ generator: inout SeededGenerator) throws {
        let manifest = try manifestPath(victim)
        try damage.apply(to: manifest, using: &generator)
        let show = try snap(["show", victim], &log)
        log.expect(show.status == 0, "show without --files does not need it: \(show.stderr)")
        for arguments in [["show", victim, "--files"], ["diff", ids[0], victim]] {
            let result = try snap(arguments, &log)
            log.expect(result.status == 1, "\(arguments) exits \(result.status), not 1")
            log.expect(result.stderr.contains(manifest), "\(arguments) names the manifest: \(result.stderr)")
        }
        let out = directory("out-victim")
        let extract = try snap(["extract", victim, "--to", out], &log)
        log.expect(extract.status == 4 && extract.stderr.contains(manifest), "extract: \(extract.stderr)")
        log.expect(!FileManager.default.fileExists(atPath: out), "a failed extract leaves nothing")
        let restore = try snap(["restore", victim, "--to", "manager_0", "--to", "manager_1", "--dry-run"], &log)
        log.expect(restore.status == 4, "restore --dry-run exits \(restore.status), not 4")
        log.expect(restore.stderr.contains(manifest), "restore names the manifest: \(restore.stderr)")
        let verify = try snap(["verify", "--all"], &log)
        log.expect(verify.status == 0, "verify --all exits \(verify.status): the bundle itself is sound")
        log.expect(
            verify.stderr.contains(manifest) && verify.stderr.contains("wrote it again from the bundle"),
            "verify --all names and repairs the manifest copy: \(verify.stderr)")
        let files = try snap(["show", victim, "--files"], &log)
        log.expect(files.status == 0 && files.stdout.contains("mnesia/LATEST.LOG"), "show --files after verify")
        try expectUsable(ids, &log)
    }

    /// Without a readable store.json snap touches nothing: every command refuses, naming
    /// it, and the store stays byte for byte as it was; the bundles still unpack with tar.
    private func checkStoreInfo(_ damage: FileDamage, _ log: inout CaseLog, _ generator: inout SeededGenerator) throws {
        let info = store + "/store.json"
        try damage.apply(to: info, using: &generator)
        let before = try StoreContent(store)
        let commands: [[String]] = [
            ["list"], ["show", victim], ["verify", "--all"], ["audit", "verify"], ["history"],
            ["create", "--from-dir", directory("source-1"), "--node", "manager_0"],
            ["extract", ids[0], "--to", directory("out")], ["restore", "--rollback", "feedbeef0000"],
        ]
        for arguments in commands {
            let result = try snap(arguments, &log)
            log.expect(result.status == 1, "\(arguments) exits \(result.status), not 1")
            log.expect(result.stderr.contains("\(info) is damaged"), "\(arguments) names store.json: \(result.stderr)")
            log.expect(!result.stderr.contains("snap init"), "\(arguments) does not send the operator to init")
        }
        let check = try snap(["check"], &log)
        log.expect(check.status == 3 && check.stdout.contains("UNKNOWN: \(info)"), "check: \(check.stdout)")
        log.expect(try StoreContent(store) == before, "the store is unchanged")
        let unpacked = directory("by-hand")
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        let byHand = try ProcessRunner.shell(
            "tar --zstd -xf '\(try bundlePath(ids[0]))' -C '\(unpacked)' && cd '\(unpacked)' && sha256sum -c --quiet SHA256SUMS"
        )
        log.expect(byHand.status == 0, "a bundle still unpacks with tar: \(byHand.stderr)")
    }

    /// `audit verify` finds an edited, garbled, emptied or deleted log (exit 4) even after
    /// later appends; a log cut in the middle of a line has a torn tail, reported and cut.
    /// Backups go on meanwhile.
    private func checkAuditLog(_ damage: FileDamage, _ log: inout CaseLog, _ generator: inout SeededGenerator) throws {
        let audit = store + "/audit.log"
        try damage.apply(to: audit, midLine: true, using: &generator)
        let first = try snap(["audit", "verify"], &log)
        switch damage {
        case .truncateHalf:
            log.expect(first.status == 0, "audit verify exits \(first.status): the entries left chain")
            log.expect(
                first.stderr.contains("torn last line") && first.stderr.contains(audit),
                "the torn tail is reported: \(first.stderr)")
        case .flipByte, .truncateEmpty, .delete, .garbage:
            log.expect(first.status == 4, "audit verify exits \(first.status), not 4")
            log.expect(first.stderr.contains("audit log \(audit) fails verification"), "\(first.stderr)")
        }
        let history = try snap(["history"], &log)
        log.expect(history.status == 0, "history exits \(history.status)")
        if damage == .garbage {
            log.expect(history.stderr.contains("\(audit) lines"), "history names the damaged lines: \(history.stderr)")
        }
        let create = try snap(
            ["create", "--from-dir", directory("source-1"), "--node", "manager_0", "--dump", directory("mnesia.dump")],
            &log)
        log.expect(create.status == 0, "create exits \(create.status) with a damaged audit log: \(create.stderr)")
        try expectUsable(ids, &log)
        // Later appends (a fresh chain, for an emptied log) do not hide the damage.
        let again = try snap(["audit", "verify"], &log)
        let expected: Int32 = damage == .truncateHalf ? 0 : 4
        log.expect(again.status == expected, "audit verify after appends exits \(again.status), not \(expected)")
    }

    /// The lock file only names its holder: a damaged one never blocks a writer nor crashes
    /// a waiter, which exits 11 while the lock is really held.
    private func checkLock(_ damage: FileDamage, _ log: inout CaseLog, _ generator: inout SeededGenerator) throws {
        let lock = store + "/lock"
        // What a writer killed while holding the lock leaves: its holder note.
        let killed = try SnapBinary.start(
            ["verify", "--all", "--config", config], environment: ["SNAP_DEBUG_HOLD_LOCK_SECONDS": "60"])
        try waitForHolderNote(lock)
        kill(killed.process.processIdentifier, SIGKILL)
        _ = killed.wait()
        try damage.apply(to: lock, using: &generator)
        let create = try snap(
            ["create", "--from-dir", directory("source-1"), "--node", "manager_0", "--dump", directory("mnesia.dump")],
            &log)
        log.expect(create.status == 0, "create exits \(create.status): \(create.stderr)")
        for arguments in [["verify", "--all"], ["audit", "verify"], ["list"]] {
            let result = try snap(arguments, &log)
            log.expect(result.status == 0, "\(arguments) exits \(result.status): \(result.stderr)")
        }
        try expectUsable(ids, &log)
        // Deleting the lock file under a holder is a different hazard (see the report); the
        // note of a live holder is damaged in place here.
        guard damage != .delete else { return }
        let holder = try SnapBinary.start(
            ["verify", "--all", "--config", config], environment: ["SNAP_DEBUG_HOLD_LOCK_SECONDS": "4"])
        try waitForHolderNote(lock)
        try damage.apply(to: lock, using: &generator)
        let waiter = try snap(["verify", "--all", "--wait", "0"], &log)
        log.expect(waiter.status == 11, "a waiter exits \(waiter.status), not 11: \(waiter.stderr)")
        log.expect(waiter.stderr.contains("store \(store) is locked by"), "the waiter says so: \(waiter.stderr)")
        let held = holder.wait()
        log.expect(held.status == 0, "the holder finishes: \(held.stderr)")
    }

    /// A journal that is damaged, edited or gone is never followed: `--resume` and
    /// `--rollback` refuse naming it and saying where rescued files are; an unreadable one
    /// keeps the restore unfinished for `list`, `check` and new restores.
    private func checkJournal(_ damage: FileDamage, _ log: inout CaseLog, _ generator: inout SeededGenerator) throws {
        // Killed as step 1 starts: a journal of a running restore, before any node is touched.
        let killed = try SnapBinary.run(
            ["restore", ids[2], "--to", "manager_0", "--to", "manager_1", "--yes", "--config", config],
            environment: ["SNAP_DEBUG_KILL_AT_STEP": "1"], directory: directory.path)
        try #require(killed.signal == SIGKILL, "the restore was to kill itself: \(killed.stderr)")
        let restores = try FileManager.default.contentsOfDirectory(atPath: store + "/restores")
        let id = try #require(restores.first, "the killed restore left its journal")
        let journal = store + "/restores/\(id)/journal.json"
        try damage.apply(to: journal, using: &generator)
        for mode in ["--resume", "--rollback"] {
            let result = try snap(["restore", mode, id], &log)
            log.expect(result.status == 1, "restore \(mode) exits \(result.status), not 1")
            log.expect(result.stderr.contains("\(journal) is damaged"), "restore \(mode): \(result.stderr)")
            log.expect(result.stderr.contains("/restores/\(id)/rescue"), "says where rescued files are")
        }
        let list = try snap(["list"], &log)
        let check = try snap(["check"], &log)
        let another = try snap(["restore", ids[0], "--to", "manager_0", "--to", "manager_1", "--dry-run"], &log)
        if damage == .delete {
            // Killed before any step ran: nothing was moved, nothing is left unfinished.
            log.expect(check.status == 0, "check exits \(check.status): \(check.stdout)")
            log.expect(another.status == 0, "a new restore plans: \(another.stderr)")
        } else {
            log.expect(list.stderr.contains("restore \(id) is unfinished"), "list warns: \(list.stderr)")
            log.expect(check.status == 2 && check.stdout.contains("unfinished restore \(id)"), "\(check.stdout)")
            log.expect(
                another.status == 6 && another.stderr.contains("restore \(id) is unfinished"), "\(another.stderr)")
        }
        try expectUsable(ids, &log)
    }

    private func waitForHolderNote(_ lock: String) throws {
        for _ in 0..<200 {
            if let size = try? FileManager.default.attributesOfItem(atPath: lock)[.size] as? Int, size > 0 { return }
            usleep(50_000)
        }
        throw FixtureError(message: "no writer took \(lock) within 10 s")
    }
}

/// Every file of a directory tree and its bytes, to tell whether anything changed.
struct StoreContent: Equatable {
    var files: [String: Data]

    init(_ root: String) throws {
        files = [:]
        for path in FileManager.default.subpaths(atPath: root) ?? [] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory) else { continue }
            files[path] = isDirectory.boolValue ? Data() : try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
        }
    }
}
