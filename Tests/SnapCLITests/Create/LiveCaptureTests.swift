import Foundation
import SnapTestSupport
import Synchronization
import Testing

/// `snap create` against a running stand-in pair started by each test.
@Suite struct LiveCaptureTests {
    /// Users and buckets as the console lists them (the state to carry over).
    static func state(_ pair: StandinPair, _ index: Int) throws -> String {
        try pair.console(index, "get-users", "get-buckets")
    }

    /// Unpacks `ref`'s Mnesia files into manager `index` of `pair` (which is stopped).
    static func install(_ ref: String, from source: StandinPair, into pair: StandinPair, _ index: Int) throws {
        let unpacked = pair.directory("unpacked-\(index)")
        let extract = try source.snap(["extract", ref, "--to", unpacked])
        try #require(extract.status == 0, "\(extract.stderr)")
        try FileManager.default.removeItem(atPath: pair.mnesia(index))
        try FileManager.default.moveItem(atPath: unpacked + "/mnesia", toPath: pair.mnesia(index))
    }

    @Test(arguments: ["auto", "files", "cold"])
    func capturedFilesBootAFreshPairWithTheSameData(mode: String) throws {
        let pair = try StandinPair("live-\(mode)")
        try pair.start()
        _ = try pair.console(
            0, "create-user alice", "create-user bob", "add-bucket photos 05236", "add-endpoint s3.example.com")
        let before = try Self.state(pair, 0)
        #expect(before.contains("alice") && before.contains("photos"))
        #expect(try pair.snap(["init"]).status == 0)
        let created = try pair.snap(["create", "--all", "--mode", mode, "--json"])
        try #require(created.status == 0, "\(created.stderr)")
        let records = try #require(
            try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 2)
        let expectedMode = mode == "auto" ? "files+dump" : mode
        #expect(records.allSatisfy { $0["mode"] as? String == expectedMode })
        #expect(records.allSatisfy { ($0["ring_hashes"] as? [String: Any])?["current"] != nil })
        // Only a cold capture takes the node down, and it says for how long.
        let downtimes = records.compactMap { $0["downtime_seconds"] as? Double }
        #expect(mode == "cold" ? downtimes.count == 2 && downtimes.allSatisfy { $0 > 0 } : downtimes.isEmpty)
        if mode == "cold" {
            let shown = try pair.snap(["show", "latest@manager_0"])
            #expect(shown.stdout.contains("node down") && shown.stdout.contains("(stop, copy, start, ready)"))
            let again = try pair.snap(["create", "--node", "manager_1", "--mode", "cold", "-v"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains(", node down "), "\(again.stdout)")
            // -v says where the downtime went (bench/report.py reads this line).
            let phases =
                #/manager_1 was down for [0-9.]+ s: stop [0-9.]+ s, copy [0-9.]+ s, start and wait_ready [0-9.]+ s/#
            #expect(again.stderr.contains(phases), "\(again.stderr)")
        }
        if mode == "auto" {
            let tables = try #require(records.first?["tables"] as? [[String: Any]])
            let users = tables.first { $0["name"] as? String == "leo_s3_users" }
            #expect(users?["rows"] as? Int == 3)  // _test_leofs, alice, bob
        }
        // The pair is still serving after every mode (cold restarts it).
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.control(1, ["ping"]).status == 0)
        // Every capture boots in a private Mnesia with every table, beside the running pair.
        let load = try pair.snap(["verify", "--load", "--all"])
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
        #expect(load.stdout.contains("rehearsed \(records.count + (mode == "cold" ? 1 : 0)): "), "\(load.stdout)")
        try pair.stop()

        let fresh = try StandinPair("fresh-\(mode)", names: pair.names)
        try Self.install("latest@manager_0", from: pair, into: fresh, 0)
        try Self.install("latest@manager_1", from: pair, into: fresh, 1)
        try fresh.start()
        #expect(try Self.state(fresh, 0) == before)
        #expect(try Self.state(fresh, 1) == before)
    }

    @Test func dumpModeCapturesARestorableDump() throws {
        let pair = try StandinPair("live-dump")
        try pair.start()
        _ = try pair.console(0, "create-user dora", "add-bucket logs 05236")
        let before = try Self.state(pair, 0)
        #expect(try pair.snap(["init"]).status == 0)
        let created = try pair.snap(["create", "--node", "manager_0", "--mode", "dump"])
        try #require(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("manager_0 dump"))
        // Nothing of the private dump directory is left in the manager's work directory.
        let work = try FileManager.default.contentsOfDirectory(atPath: pair.home(0) + "/work")
        #expect(!work.contains { $0.hasPrefix(".snap-dump-") })
        try pair.stop()

        let fresh = try StandinPair("fresh-dump", names: pair.names)
        try fresh.start()
        let unpacked = fresh.directory("unpacked")
        #expect(try pair.snap(["extract", "latest", "--to", unpacked]).status == 0)
        let load = try fresh.control(0, ["load-mnesia-data", unpacked + "/dump/mnesia.dump"])
        #expect(load.stdout.contains("{atomic,ok}"))
        #expect(try Self.state(fresh, 0).contains("dora"))
        #expect(try Self.state(fresh, 0).contains("logs"))
        #expect(before.contains("dora"))
    }

    /// Hot copies taken while the console writes: users are created in a loop during each
    /// `create --mode files`, and every snapshot still boots with every table and holds
    /// every user whose creation the console had answered before the copy began (Mnesia's
    /// log reaches the disk up to 2 s after a commit).
    @Test func hotCopiesUnderAWriteLoadLoadWithEveryCommittedUser() throws {
        let pair = try StandinPair("live-writes")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let writing = Atomic<Bool>(true)
        let written = Atomic<Int>(0)
        let port = pair.consolePort(0)
        let writer = Thread {
            var index = 0
            while writing.load(ordering: .relaxed) {
                index += 1
                if (try? Console.exchange(port: port, "create-user load\(index)\n"))?.contains("access-key-id") == true
                {
                    written.add(1, ordering: .relaxed)
                }
            }
        }
        writer.start()
        defer { writing.store(false, ordering: .relaxed) }
        var before: [String: Int] = [:]
        for _ in 0..<3 {
            let committed = written.load(ordering: .relaxed)
            let created = try pair.snap(["create", "--node", "manager_0", "--mode", "files", "--json"])
            #expect(created.status == 0, "\(created.stdout)\(created.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]]
            if let id = records?.first?["id"] as? String { before[id] = committed }
        }
        writing.store(false, ordering: .relaxed)
        #expect(written.load(ordering: .relaxed) > 3, "the console was written to during the copies")
        let load = try pair.snap(["verify", "--load", "--all"])
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")
        #expect(load.stdout.contains("rehearsed 3: 3 loaded, 0 did not"), "\(load.stdout)")
        for (id, committed) in before {
            let verdict = try LoadVerifyTests.verdict(id) { try pair.snap($0) }
            let users = LoadVerifyTests.rows(verdict["tables"])["leo_s3_users"] ?? 0
            // _test_leofs and every user answered before the copy began.
            #expect(users >= committed + 1, "\(id): \(users) users loaded, \(committed) created before")
        }
    }

    /// Removes everything in manager `index`'s Mnesia directory, as a killed restore may leave it.
    static func empty(_ pair: StandinPair, _ index: Int) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: pair.mnesia(index)) {
            try FileManager.default.removeItem(atPath: pair.mnesia(index) + "/" + name)
        }
    }

    /// Issue 13, finding 3: a restore killed with both Mnesia directories emptied and the
    /// nodes down; cron's `create --prune` made 0-file snapshots that became `latest`.
    @Test func emptiedMnesiaDirectoriesOfStoppedNodesAreNeverSnapshots() throws {
        let pair = try StandinPair("live-emptied")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let first = try pair.snap(["create", "--all", "--mode", "cold", "--json"])
        try #require(first.status == 0, "\(first.stderr)")
        let before = try pair.snap(["show", "latest@manager_0", "--json"]).stdout
        try pair.stop()
        try Self.empty(pair, 0)
        try Self.empty(pair, 1)

        let cron = try pair.snap(["create", "--prune", "--quiet", "--wait", "600"])
        #expect(cron.status == 1, "\(cron.stdout)\(cron.stderr)")
        let lines = cron.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "one line per manager: \(cron.stderr)")
        for index in 0...1 {
            let line = lines.first { $0.contains("manager_\(index): ") } ?? ""
            #expect(line.contains(pair.mnesia(index) + " has no schema.DAT and table files"), "\(cron.stderr)")
            #expect(line.contains("--allow-incomplete"), "\(line)")
        }
        // auto on a stopped node is a plain copy: refused the same way, naming the directory.
        let one = try pair.snap(["create", "--node", "manager_0"])
        #expect(one.status == 1)
        #expect(one.stderr.hasPrefix("snap: error: manager_0: \(pair.mnesia(0)) has no schema.DAT"), "\(one.stderr)")
        #expect(one.stderr.split(separator: "\n").count == 1, "\(one.stderr)")

        let list = try pair.snap(["list", "--json"])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])
        #expect(records.count == 2, "nothing recorded: \(list.stdout)")
        #expect(try pair.snap(["show", "latest@manager_0", "--json"]).stdout == before)
        let history = try pair.snap(["history", "--action", "create", "--json"])
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(entries.suffix(2).allSatisfy { $0["outcome"] as? String == "failed" }, "\(history.stdout)")

        // Said explicitly, the directory is archived as it is.
        let allowed = try pair.snap(["create", "--node", "manager_0", "--allow-incomplete", "--json"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("\"file_count\" : 0"), "\(allowed.stdout)")
    }

    @Test func coldModeRefusesAnEmptiedDirectoryAndLeavesTheNodeRunning() throws {
        let pair = try StandinPair("live-emptied-cold")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        try Self.empty(pair, 0)
        let result = try pair.snap(["create", "--node", "manager_0", "--mode", "cold"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stderr.contains("manager_0: \(pair.mnesia(0)) has no schema.DAT"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: pair.store + "/snapshots").isEmpty)
        // Refused before the stop: the node was never taken down.
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(!result.stderr.contains("stop"))
    }

    @Test func aFileChangingDuringAFilesCopyIsCaught() throws {
        let pair = try StandinPair("live-changing")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let busy = pair.mnesia(0) + "/busy.LOG"
        // Appends without pause for up to 60 s: every copy attempt sees the file move.
        let writer = try ProcessRunner.start(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import time\nend = time.time() + 60\nwith open('\(busy)', 'a') as f:\n"
                    + "    while time.time() < end:\n        f.write('x'); f.flush()",
            ])
        defer {
            writer.process.terminate()
            _ = writer.wait()
        }
        let result = try pair.snap(["create", "--node", "manager_0", "--mode", "files"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stderr.contains("manager_0: files copy"), "\(result.stderr)")
        #expect(result.stderr.contains("busy.LOG"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: pair.store + "/snapshots").isEmpty)
    }

    @Test func coldModeRestartsTheNodeWhenTheCopyFails() throws {
        let pair = try StandinPair("live-coldfail")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        // A FIFO is something no copy takes: the copy fails after the node was stopped.
        #expect(mkfifo(pair.mnesia(0) + "/trap.fifo", 0o600) == 0)
        let result = try pair.snap(["create", "--node", "manager_0", "--mode", "cold"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("manager_0: cold copy"), "\(result.stderr)")
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.console(0, "get-users").contains("_test_leofs"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: pair.store).filter { $0.hasPrefix(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    /// A pair whose manager_0 has `timeout: 8`.
    private func pairWithShortTimeout(_ label: String) throws -> StandinPair {
        let pair = try StandinPair(label)
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        try pair.setTimeout(8, of: 0)
        return pair
    }

    @Test func coldModeRestartsTheNodeWhenTheCopyHangs() throws {
        let pair = try pairWithShortTimeout("live-coldhang")
        let started = Date()
        // After its first piece of a file, the copy's thread sleeps as one stuck on a hung
        // disk would: far longer than the timeout, with the staging directory half made.
        let result = try pair.snap(
            ["create", "--all", "--mode", "cold"], environment: ["SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS": "90"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.signal == nil)
        #expect(
            result.stderr.contains("manager_0: cold copy: copying \(pair.mnesia(0)) made no progress for 8 s"),
            "\(result.stderr)")
        // Its partner is left running: stopping it would only take it down into the same hang.
        #expect(result.stderr.contains("manager_1: cold copy: not stopped, because the cold copy of manager_0 hung"))
        #expect(elapsed < 90, "the copy was waited out: \(elapsed) s")
        for index in 0..<2 {
            #expect(try pair.control(index, ["ping"]).status == 0, "manager_\(index) is down: \(result.stderr)")
        }
        #expect(try pair.console(0, "get-users").contains("_test_leofs"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: pair.store + "/snapshots").isEmpty)
        let abandoned = try FileManager.default.contentsOfDirectory(atPath: pair.store).filter {
            $0.hasPrefix(".tmp-cold-")
        }
        #expect(abandoned.count == 1, "the half-made copy: \(abandoned)")
        // The next writer removes it and captures the node as usual.
        let again = try pair.snap(["create", "--node", "manager_0", "--mode", "cold"])
        #expect(again.status == 0, "\(again.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: pair.store).filter { $0.hasPrefix(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func aStartThatFailsAfterAHungCopyStillSparesThePartner() throws {
        let pair = try pairWithShortTimeout("live-coldhang-start")
        // Were manager_1 stopped after all, its own copy would hang at 8 s, not at 120.
        try pair.setTimeout(8, of: 1)
        let control = pair.home(0) + "/bin/leo_manager"
        try FileManager.default.moveItem(atPath: control, toPath: control + ".real")
        defer {
            // Unless the real script is back already (the test's end puts it back): removing
            // the script then left the pair's teardown nothing to stop manager_0 with.
            if FileManager.default.fileExists(atPath: control + ".real") {
                try? FileManager.default.removeItem(atPath: control)
                try? FileManager.default.moveItem(atPath: control + ".real", toPath: control)
            }
        }
        // The disk that hung the copy keeps the node from starting too.
        try """
        #!/bin/sh
        if [ "$1" = start ]; then echo 'start: cannot write to the disk'; exit 1; fi
        exec "$(dirname "$0")/leo_manager.real" "$@"
        """.write(toFile: control, atomically: true, encoding: .utf8)
        chmod(control, 0o755)
        let result = try pair.snap(
            ["create", "--all", "--mode", "cold"], environment: ["SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS": "90"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("manager_0: start"), "\(result.stderr)")
        #expect(result.stderr.contains("manager_1: cold copy: not stopped, because the cold copy of manager_0 hung"))
        #expect(try pair.control(1, ["ping"]).status == 0, "manager_1 was stopped: \(result.stderr)")
        // Back to the real script, so the node can be started and the pair stopped.
        try FileManager.default.removeItem(atPath: control)
        try FileManager.default.moveItem(atPath: control + ".real", toPath: control)
        #expect(try pair.control(0, ["start"]).status == 0)
    }

    @Test func aSlowColdCopyThatKeepsCopyingOutlivesTheTimeout() throws {
        let pair = try pairWithShortTimeout("live-coldslow")
        let files = try ProcessRunner.shell("find '\(pair.mnesia(0))' -type f -size +0 | wc -l")
        let nonEmpty = Int(files.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(nonEmpty >= 20, "too few files to make a slow copy: \(nonEmpty)")
        // Half a second after each piece of a file: a slow disk, never idle for the 8 s.
        let result = try pair.snap(
            ["create", "--node", "manager_0", "--mode", "cold", "-v"],
            environment: ["SNAP_DEBUG_COLD_COPY_PIECE_DELAY_SECONDS": "0.5"])
        #expect(result.status == 0, "\(result.stderr)")
        let copySeconds = result.stderr.firstMatch(of: /, copy ([0-9.]+) s,/).flatMap { Double($0.1) }
        #expect((copySeconds ?? 0) > 8, "the copy did not outlive the timeout: \(result.stderr)")
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.snap(["verify", "latest"]).status == 0)
    }

    @Test func partialFailureExits3AndNamesTheNode() throws {
        let pair = try StandinPair("live-partial")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        try pair.control(1, ["stop"])
        let result = try pair.snap(["create", "--all", "--mode", "files"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout.contains("manager_0 files"))
        #expect(result.stderr.contains("manager_1: files"))
        #expect(result.stderr.contains("does not answer ping"))
        // auto on a stopped node copies it as it lies, without starting it.
        let auto = try pair.snap(["create", "--node", "manager_1"])
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stdout.contains("manager_1 cold"))
        #expect(try pair.control(1, ["ping"]).status != 0)
        let history = try pair.snap(["history", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"partial\""))
    }

    @Test func diffShowsRowChangesBetweenDumps() throws {
        let pair = try StandinPair("live-diff")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        #expect(try pair.snap(["create", "--node", "manager_0"]).status == 0)
        _ = try pair.console(0, "create-user erin", "create-user frank", "add-bucket b1 05236")
        #expect(try pair.snap(["create", "--node", "manager_0"]).status == 0)
        let diff = try pair.snap(["diff", "v1", "v2"])
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("leo_s3_users  1 -> 3 rows (+2)"), "\(diff.stdout)")
        #expect(diff.stdout.contains("leo_s3_buckets  0 -> 1 rows (+1)"))
    }
}
