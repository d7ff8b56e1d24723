import Foundation
import Glibc
import SnapTestSupport
import Testing

/// `snap verify --load`: snapshots booted in a private Erlang node, every table counted.
@Suite struct LoadVerifyTests {
    /// The `load` verdict of `id`'s record, as `show --json` prints it.
    static func verdict(_ id: String, _ run: ([String]) throws -> ProcessResult) throws -> [String: Any] {
        let shown = try run(["show", id, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        let record = try #require(object?["snapshot"] as? [String: Any], "\(shown.stdout)\(shown.stderr)")
        return try #require(record["load"] as? [String: Any], "no load verdict in \(record)")
    }

    /// Rows per table of a summary list (`tables` of a record or a verdict).
    static func rows(_ tables: Any?) -> [String: Int] {
        let list = tables as? [[String: Any]] ?? []
        return Dictionary(
            list.map { ($0["name"] as? String ?? "?", $0["rows"] as? Int ?? -1) }, uniquingKeysWith: { a, _ in a })
    }

    /// Where a test's rehearsals go (snap's `TMPDIR`), and what of them is left.
    struct Rehearsals {
        let tmp: String

        init(_ directory: TemporaryDirectory) throws {
            tmp = directory("tmp")
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        }

        var environment: [String: String] { ["TMPDIR": tmp] }
        var root: String { tmp + "/snap-rehearsals-\(getuid())" }

        /// The private directories left.
        func left() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] }

        /// Every process a rehearsal of this test started, whatever it became (a VM, an
        /// epmd it might have started, a port program): they all carry the rehearsal's
        /// environment.
        func processes() -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return names.filter { Int($0) != nil }.compactMap { pid in
                guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
                let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                guard variables.contains("TMPDIR=\(tmp)"),
                    variables.contains(where: { $0.hasPrefix("SNAP_REHEARSAL_MODE=") })
                else { return nil }
                let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "?"
                return "\(pid) \(command.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
        }
    }

    @Test func aLivePairSnapshotLoadsWithEveryCountEqualBesideThePairItself() throws {
        let pair = try StandinPair("load-live")
        try pair.start()
        _ = try pair.console(0, "create-user alice", "create-user bob", "add-bucket photos 05236")
        #expect(try pair.snap(["init"]).status == 0)
        let created = try pair.snap(["create", "--all"])
        try #require(created.status == 0, "\(created.stderr)")
        let before = try LiveCaptureTests.state(pair, 0)
        let status = try pair.console(0, "status")

        // The rehearsal boots nodes of the running pair's own names on the same machine.
        let rehearsals = try Rehearsals(pair.directory)
        let load = try pair.snap(["verify", "--load", "--latest"], environment: rehearsals.environment)
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
        #expect(load.stdout.components(separatedBy: "LOADED  ").count == 3, "\(load.stdout)")
        #expect(load.stdout.contains("rehearsed 2: 2 loaded, 0 did not"), "\(load.stdout)")
        for node in ["manager_0", "manager_1"] {
            let shown = try pair.snap(["show", "latest@\(node)", "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
            let record = try #require(object?["snapshot"] as? [String: Any])
            let verdict = try #require(record["load"] as? [String: Any])
            #expect(verdict["ok"] as? Bool == true)
            #expect(Self.rows(verdict["tables"]) == Self.rows(record["tables"]))
            #expect(Self.rows(verdict["tables"])["leo_s3_users"] == 3)  // _test_leofs, alice, bob
            // Every table is held on the partner too: each was force-loaded, and it says so.
            #expect((verdict["forced"] as? [String])?.contains("leo_s3_users") == true)
            #expect(verdict["problems"] == nil)
        }
        let listed = try pair.snap(["list"])
        #expect(listed.stdout.contains("LOADED"), "\(listed.stdout)")
        let shown = try pair.snap(["show", "latest@manager_0"])
        #expect(shown.stdout.contains("loaded        ok at "), "\(shown.stdout)")

        // The running pair saw nothing: same answers, same data, still serving.
        #expect(try pair.console(0, "status") == status)
        #expect(try LiveCaptureTests.state(pair, 0) == before)
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.control(1, ["ping"]).status == 0)
        #expect(rehearsals.processes().isEmpty)
        #expect(rehearsals.left().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: pair.store + "/rehearsals"), "nothing unpacked in the store")
        // Audited.
        let history = try pair.snap(["history", "--json"])
        #expect(history.stdout.contains("\"verify-load\""), "\(history.stdout)")
    }

    /// Damage `verify` cannot see: a valid bundle of a directory whose table file was cut
    /// short or swapped with another table's, captured with the dump taken before.
    @Test(arguments: ["truncated", "swapped"])
    func damagedTableFilesFailNamingTheTable(damage: String) throws {
        let fixture = try StoreFixture("load-\(damage)")
        let damaged = fixture.directory("damaged")
        try FileManager.default.copyItem(atPath: fixture.mnesia, toPath: damaged)
        // The file that holds the table's rows: its log (.DCL) until Mnesia folds it into .DCD.
        func rowsFile(_ table: String) throws -> String {
            let sizes = try ["DCD", "DCL"].map { kind -> (String, Int) in
                let path = damaged + "/\(table).\(kind)"
                let size =
                    FileManager.default.fileExists(atPath: path)
                    ? try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 : 0
                return (path, size)
            }
            return try #require(sizes.max { $0.1 < $1.1 }?.0)
        }
        let users = try rowsFile("leo_s3_users")
        switch damage {
        case "truncated":
            let size = try #require(try FileManager.default.attributesOfItem(atPath: users)[.size] as? Int)
            #expect(truncate(users, off_t(size / 2)) == 0)
        default:
            let other = damaged + "/leo_s3_buckets." + (users.hasSuffix("DCL") ? "DCL" : "DCD")
            try FileManager.default.moveItem(atPath: users, toPath: damaged + "/swap")
            try FileManager.default.moveItem(atPath: other, toPath: users)
            try FileManager.default.moveItem(atPath: damaged + "/swap", toPath: other)
        }
        let created = try fixture.snap(["create", "--from-dir", damaged, "--node", "manager_0", "--dump", fixture.dump])
        try #require(created.status == 0, "\(created.stderr)")
        #expect(try fixture.snap(["verify", "latest"]).status == 0, "the bundle itself is sound")

        let load = try fixture.snap(["verify", "--load", "latest"])
        #expect(load.status == 4, "\(load.stdout)\(load.stderr)")
        // A swap damages both tables: naming either is naming the damage.
        let named = damage == "truncated" ? ["leo_s3_users"] : ["leo_s3_users", "leo_s3_buckets"]
        #expect(load.stdout.contains("FAILED") && named.contains { load.stdout.contains($0) }, "\(load.stdout)")
        #expect(named.contains { load.stderr.contains($0) }, "\(load.stderr)")
        let verdict = try Self.verdict("latest") { try fixture.snap($0) }
        #expect(verdict["ok"] as? Bool == false)
        let problems = try #require(verdict["problems"] as? [String])
        #expect(
            problems.contains { line in named.contains { line.contains($0) } && line.contains("the Mnesia files") },
            "\(problems)")
        #expect(try fixture.snap(["list"]).stdout.contains("FAILED"))

        // The undamaged directory with the same dump loads.
        let good = try fixture.create()
        // Run from the store's parent with a relative --store, as an operator may.
        let proof = try SnapBinary.run(
            ["verify", "--load", good, "--store", "store"], directory: fixture.directory.path)
        #expect(proof.status == 0, "\(proof.stdout)\(proof.stderr)")
        #expect(try Self.verdict(good) { try fixture.snap($0) }["ok"] as? Bool == true)
    }

    @Test func aDumpWithARowEditedAfterCaptureFailsNamingTheTable() throws {
        let fixture = try StoreFixture("load-edited")
        let text = try String(contentsOfFile: fixture.dump, encoding: .utf8)
        let edited = text.replacingOccurrences(
            of: "{leo_s3_users,<<\"user_000007\">>", with: "{leo_s3_users,<<\"user_00000X\">>")
        #expect(edited != text)
        let path = fixture.directory("edited.dump")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let created = try fixture.snap(["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--dump", path])
        try #require(created.status == 0, "\(created.stderr)")
        #expect(try fixture.snap(["verify", "latest"]).status == 0)

        let load = try fixture.snap(["verify", "--load", "latest"])
        #expect(load.status == 4, "\(load.stdout)\(load.stderr)")
        let problems = try #require(try Self.verdict("latest") { try fixture.snap($0) }["problems"] as? [String])
        // Same count, other rows: the files and the dump disagree on that table, and only it.
        #expect(problems.count == 1 && problems[0].contains("table leo_s3_users:"), "\(problems)")
        #expect(problems[0].contains("other rows"), "\(problems)")
    }

    @Test func twoRehearsalsOfTheSameNodeAtOnceBothSucceed() throws {
        let fixture = try StoreFixture("load-twice", rows: 40_000)
        let id = try fixture.create()
        let rehearsals = try Rehearsals(fixture.directory)
        let arguments = ["verify", "--load", id, "--store", fixture.store]
        let first = try SnapBinary.start(arguments, environment: rehearsals.environment)
        let second = try SnapBinary.start(arguments, environment: rehearsals.environment)
        // They overlap: two VMs of the same node name are seen at once.
        var most = 0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && (first.isRunning || second.isRunning) {
            most = max(most, rehearsals.processes().filter { $0.contains("beam") }.count)
            usleep(20_000)
        }
        let results = [first.wait(), second.wait()]
        for result in results { #expect(result.status == 0, "\(result.stdout)\(result.stderr)") }
        #expect(most >= 2, "the two rehearsals never ran at once")
        #expect(try Self.verdict(id) { try fixture.snap($0) }["ok"] as? Bool == true)
        #expect(rehearsals.processes().isEmpty)
        #expect(rehearsals.left().isEmpty)
    }

    /// snap killed mid-rehearsal: SIGTERM stops the VM and removes its files; after SIGKILL
    /// the VM ends with snap (its input closes) and the next rehearsal removes the files.
    /// Nothing the rehearsal started is left: no VM, no epmd, no port program.
    @Test(arguments: [SIGTERM, SIGKILL])
    func killedMidRehearsalLeavesNoErlangProcess(signal: Int32) throws {
        let fixture = try StoreFixture("load-killed-\(signal)", rows: 60_000)
        let id = try fixture.create()
        let rehearsals = try Rehearsals(fixture.directory)
        let snap = try SnapBinary.start(
            ["verify", "--load", id, "--store", fixture.store], environment: rehearsals.environment)
        // Wait for the VM, then signal snap alone.
        let deadline = Date().addingTimeInterval(60)
        var seen: [String] = []
        while Date() < deadline {
            seen = rehearsals.processes().filter { $0.contains("beam") }
            if !seen.isEmpty { break }
            usleep(20_000)
        }
        try #require(!seen.isEmpty, "no VM seen during the rehearsal")
        snap.signal(signal)
        let result = snap.wait()
        #expect(result.status == (signal == SIGTERM ? 143 : SIGKILL), "\(result.stdout)\(result.stderr)")
        var left = rehearsals.processes()
        let gone = Date().addingTimeInterval(10)
        while !left.isEmpty && Date() < gone {
            usleep(50_000)
            left = rehearsals.processes()
        }
        #expect(left.isEmpty, "left running: \(left)")
        if signal == SIGTERM { #expect(rehearsals.left().isEmpty) }
        // The next rehearsal clears what a killed one left, and proves the snapshot.
        let again = try fixture.snap(["verify", "--load", id], environment: rehearsals.environment)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(rehearsals.left().isEmpty)
    }

    /// `verify_load: after_create`: each create proves what it made; check and the metrics
    /// follow the real verdicts, a damaged capture included.
    @Test func aPolicyRehearsesEachCaptureAndCheckFollowsTheVerdicts() throws {
        let fixture = try StoreFixture("load-policy")
        let policy = fixture.directory("load.yaml")
        try
            "mode: auto\nkeep:\n  last: 5\nverify_load: after_create\nfreshness:\n  warn: 1h\n  crit: 2h\n  load_warn: 1h\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        let metrics = fixture.directory("snap.prom")

        let created = try fixture.snap(
            ["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--dump", fixture.dump, "--policy", policy])
        #expect(created.status == 0, "\(created.stdout)\(created.stderr)")
        #expect(try Self.verdict("latest") { try fixture.snap($0) }["ok"] as? Bool == true)
        let fresh = try fixture.snap(["check", "--policy", policy, "--metrics", metrics])
        #expect(fresh.status == 0, "\(fresh.stdout)\(fresh.stderr)")
        let written = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(written.contains("snap_last_load_ok{node=\"manager_0\"} 1"), "\(written)")
        #expect(written.contains("snap_last_load_timestamp_seconds{node=\"manager_0\"}"), "\(written)")

        // A capture that does not load: the create says so (exit 4) and keeps it.
        let damaged = fixture.directory("damaged")
        try FileManager.default.copyItem(atPath: fixture.mnesia, toPath: damaged)
        let edited = try String(contentsOfFile: fixture.dump, encoding: .utf8).replacingOccurrences(
            of: "{leo_s3_users,<<\"user_000007\">>", with: "{leo_s3_users,<<\"user_00000X\">>")
        try edited.write(toFile: fixture.directory("edited.dump"), atomically: true, encoding: .utf8)
        let bad = try fixture.snap(
            [
                "create", "--from-dir", damaged, "--node", "manager_0", "--dump", fixture.directory("edited.dump"),
                "--policy", policy,
            ])
        #expect(bad.status == 4, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stdout.contains("created "), "\(bad.stdout)")
        #expect(try fixture.list().count == 2)
        let warned = try fixture.snap(["check", "--policy", policy, "--metrics", metrics])
        #expect(warned.status == 1, "\(warned.stdout)\(warned.stderr)")
        #expect(warned.stdout.contains("FAILED to load"), "\(warned.stdout)")
        let after = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(after.contains("snap_last_load_ok{node=\"manager_0\"} 0"), "\(after)")
    }

    /// Plain and encrypted snapshots side by side both load; an encrypted one cannot be
    /// rehearsed without an identity, and says so.
    @Test func encryptedSnapshotsLoadWithTheirIdentity() throws {
        let fixture = try StoreFixture("load-encrypted")
        let plain = try fixture.create()
        let key = try fixture.generateKey("age.key")
        try fixture.encrypt(to: [key.recipient], identity: key.path)
        let sealed = try fixture.create()
        #expect(try fixture.bundlePath(of: sealed).hasSuffix(".tar.zst.age"))
        let load = try fixture.snap(["verify", "--load", plain, sealed])
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
        #expect(load.stdout.contains("rehearsed 2: 2 loaded"), "\(load.stdout)")
        #expect(try Self.verdict(sealed) { try fixture.snap($0) }["ok"] as? Bool == true)

        try fixture.encrypt(to: [key.recipient], identity: nil)
        let blind = try fixture.snap(["verify", "--load", sealed])
        #expect(blind.status == 1, "\(blind.stdout)\(blind.stderr)")
        #expect(blind.stderr.contains("identity"), "\(blind.stderr)")
    }

    /// A VM that hangs (here: the real erl told to sleep first) is killed at the manager's
    /// `timeout`, with its files; the snapshot's verdict says so and the run goes on.
    @Test func aHungVMIsKilledAtTheManagersTimeout() throws {
        let fixture = try StoreFixture("load-hung")
        let id = try fixture.create()
        try fixture.writeConfig(
            "managers:\n  - name: manager_0\n    home: \(fixture.directory("nohome"))\n    timeout: 3\n")
        let bin = fixture.directory("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let erl = try #require(
            ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/erl" }
                .first { FileManager.default.isExecutableFile(atPath: $0) })
        // The rehearsal's VM (not snap's version probe) sleeps before anything else.
        try
            "#!/bin/sh\ncase \"$*\" in *dist_listen*) exec '\(erl)' -eval 'timer:sleep(600000)' \"$@\";; esac\nexec '\(erl)' \"$@\"\n"
            .write(
                toFile: bin + "/erl", atomically: true, encoding: .utf8)
        chmod(bin + "/erl", 0o755)
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let started = Date()
        let rehearsals = try Rehearsals(fixture.directory)
        let hung = try fixture.snap(
            ["verify", "--load", id], environment: rehearsals.environment.merging(["PATH": path]) { $1 })
        #expect(hung.status == 4, "\(hung.stdout)\(hung.stderr)")
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(hung.stdout.contains("did not finish within 3 s"), "\(hung.stdout)")
        #expect(rehearsals.processes().isEmpty)
        #expect(rehearsals.left().isEmpty)
        #expect(try Self.verdict(id) { try fixture.snap($0) }["ok"] as? Bool == false)
    }

    /// On a manager's host the release's own runtime is used when it is OTP 23 or newer;
    /// an older one (LeoFS ships OTP 18 to 21) gives way to the PATH's.
    @Test func theManagerReleasesOwnRuntimeIsUsedWhenRecentEnough() throws {
        let fixture = try StoreFixture("load-release")
        let id = try fixture.create()
        let home = fixture.directory("leo_manager_0")
        let erl = try #require(
            ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/erl" }
                .first { FileManager.default.isExecutableFile(atPath: $0) })
        func install(_ erts: String, _ script: String) throws {
            let bin = "\(home)/\(erts)/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try script.write(toFile: bin + "/erl", atomically: true, encoding: .utf8)
            chmod(bin + "/erl", 0o755)
        }
        try fixture.writeConfig("managers:\n  - name: manager_0\n    home: \(home)\n")
        // A release runtime: this machine's OTP, reached through the release's path.
        try install("erts-13.1.5", "#!/bin/sh\nexec '\(erl)' \"$@\"\n")
        // An older one beside it that must not be chosen (erts-9 sorts after erts-13 as text).
        try install("erts-9.3", "#!/bin/sh\necho 20\n")
        let own = try fixture.snap(["verify", "--load", id])
        #expect(own.status == 0, "\(own.stdout)\(own.stderr)")
        let runtime = try #require(try Self.verdict(id) { try fixture.snap($0) }["runtime"] as? String)
        #expect(runtime.hasPrefix("\(home)/erts-13.1.5/bin/erl (OTP "), "\(runtime)")

        // Only an old release runtime: the PATH's erl rehearses instead.
        try FileManager.default.removeItem(atPath: "\(home)/erts-13.1.5")
        try install("erts-10.7", "#!/bin/sh\necho 21\n")
        let fallback = try fixture.snap(["verify", "--load", id])
        #expect(fallback.status == 0, "\(fallback.stdout)\(fallback.stderr)")
        let used = try #require(try Self.verdict(id) { try fixture.snap($0) }["runtime"] as? String)
        #expect(used.hasPrefix("\(erl) (OTP "), "\(used)")
        // And with no other erl, it says which runtimes were too old.
        let none = try fixture.snap(["verify", "--load", id], environment: ["PATH": "/nonexistent"])
        #expect(none.status == 1, "\(none.stdout)\(none.stderr)")
        #expect(none.stderr.contains("OTP 21") && none.stderr.contains("erlang-base"), "\(none.stderr)")
    }

    @Test func noErlangRuntimeIsAClearErrorThatSaysWhatToInstall() throws {
        let fixture = try StoreFixture("load-no-erl")
        let id = try fixture.create()
        let result = try fixture.snap(["verify", "--load", id], environment: ["PATH": "/nonexistent"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("erlang-base") && result.stderr.contains("erlang-mnesia"), "\(result.stderr)")
        let shown = try fixture.snap(["show", id, "--json"])
        #expect(!shown.stdout.contains("\"load\""), "no verdict is recorded without a rehearsal")
    }
}
