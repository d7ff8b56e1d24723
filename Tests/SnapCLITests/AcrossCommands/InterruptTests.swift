import Foundation
import Glibc
import SnapKit
import SnapTestSupport
import Testing

/// SIGINT, SIGTERM and SIGHUP during a command: snap stops at its next safe point, starts
/// again a node it stopped, removes its temporary files, audits the run as `interrupted`,
/// and exits 130, 143 or 129 itself rather than dying from the signal.
@Suite struct InterruptTests {
    static let statuses: [Int32: Int32] = [SIGINT: 130, SIGTERM: 143, SIGHUP: 129]
    static let names: [Int32: String] = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP"]

    /// The ids of the snapshot records in `store`.
    static func records(in store: String) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store + "/snapshots")) ?? []
        return Set(names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) })
    }

    /// Temporary files (and a cold capture's staging directory) anywhere in `store`.
    static func leftovers(in store: String) -> [String] {
        (FileManager.default.subpaths(atPath: store) ?? []).filter {
            ($0 as NSString).lastPathComponent.hasPrefix(FileOps.temporaryPrefix)
        }
    }

    /// The newest audit entry of `action`, from `snap history --json`.
    static func lastEntry(_ action: String, _ snap: ([String]) throws -> ProcessResult) throws -> [String: Any] {
        let history = try snap(["history", "--json"])
        try #require(history.status == 0, "\(history.stderr)")
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        return try #require(entries.last { $0["action"] as? String == action }, "no \(action) entry in the audit log")
    }

    /// Polls `condition` every 2 ms for at most `seconds`.
    static func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(2_000)
        }
        return condition()
    }

    /// A tree of `files` files of 1 MiB of random bytes (so zstd cannot make them small).
    /// A scene with a random tree of `files` files (`mnesia`) and an empty store (`store`).
    static func storeBesideATree(_ label: String, files: Int) throws -> (TemporaryDirectory, String, String) {
        let scene = TemporaryDirectory(label)
        try randomTree(at: scene("mnesia"), files: files)
        try #require(try SnapBinary.run(["init", "--store", scene("store")]).status == 0)
        return (scene, scene("mnesia"), scene("store"))
    }

    static func randomTree(at path: String, files: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let made = try ProcessRunner.shell(
            "for i in $(seq 1 \(files)); do head -c 1048576 /dev/urandom > \(path)/table_$i.DCD || exit 1; done")
        try #require(made.status == 0, "\(made.stderr)")
    }

    @Test func aColdCaptureInterruptedAtAnyMomentLeavesTheNodeRunning() throws {
        let pair = try StandinPair("interrupt-cold")
        try pair.start()
        try #require(try pair.snap(["init"]).status == 0)
        var generator = SeededGenerator(seed: 0x5349_474E_414C)
        // One cold capture left alone says how long one takes on this machine (ping, stop,
        // copy, start, wait_ready, compress, verify: 2 to 4 s); then six SIGINTs spread over
        // that time and a little past it (so that some captures finish first), one per slot,
        // and a SIGTERM and a SIGHUP while the node is most likely down. (Fixed delays let a
        // fast machine finish most captures before the signal.)
        let timed = Date()
        try #require(try pair.snap(["create", "--node", "manager_0", "--mode", "cold"]).status == 0)
        let duration = Date().timeIntervalSince(timed)
        let slot = duration * 1.2 / 6
        var rounds: [(signal: Int32, delay: Double)] = (0..<6).map { index in
            (SIGINT, duration * 0.05 + (Double(index) + Double.random(in: 0..<1, using: &generator)) * slot)
        }
        rounds.append((SIGTERM, duration * Double.random(in: 0.2...0.7, using: &generator)))
        rounds.append((SIGHUP, duration * Double.random(in: 0.2...0.7, using: &generator)))
        print("a cold capture takes \(String(format: "%.2f", duration)) s here")
        var interrupted = 0
        var finished = 0
        for (index, round) in rounds.enumerated() {
            let name = Self.names[round.signal] ?? "?"
            let label = "round \(index): \(name) after \(String(format: "%.2f", round.delay)) s"
            let before = Self.records(in: pair.store)
            let process = try pair.startSnap(["create", "--node", "manager_0", "--mode", "cold"])
            let sent = process.signal(round.signal, after: round.delay)
            let result = process.wait()
            print("\(label): exit \(result.status)")
            #expect(result.signal == nil, "\(label): snap died from signal \(result.signal ?? 0)")
            // Whatever the moment, the node runs when snap has exited.
            #expect(try pair.control(0, ["ping"]).status == 0, "\(label): manager_0 is not running")
            #expect(Self.leftovers(in: pair.store).isEmpty, "\(label): \(Self.leftovers(in: pair.store))")
            let audit = try pair.snap(["audit", "verify"])
            #expect(audit.status == 0, "\(label): \(audit.stdout)\(audit.stderr)")
            let entry = try Self.lastEntry("create") { try pair.snap($0) }
            let added = Self.records(in: pair.store).subtracting(before)
            // The audit entry names exactly what the run recorded.
            #expect(Set(entry["snapshots"] as? [String] ?? []) == added, "\(label): \(entry)")
            if entry["outcome"] as? String == "interrupted" {
                #expect(result.status == Self.statuses[round.signal], "\(label): \(result.status) \(result.stderr)")
                #expect(result.stderr.contains("snap: interrupted (\(name)): "), "\(label): \(result.stderr)")
                #expect((entry["error"] as? String)?.hasPrefix("interrupted by \(name); ") == true, "\(label)")
                if added.isEmpty {
                    interrupted += 1
                } else {
                    // Only the check of a snapshot already recorded can be cut short: it stays.
                    #expect(result.stderr.contains("recorded before the signal, and kept"), "\(label)")
                }
            } else {
                // The signal came after the capture was done (or not at all): it stands.
                finished += 1
                #expect(entry["outcome"] as? String == "ok", "\(label): \(entry)")
                #expect(added.count == 1, "\(label)")
                let status = sent && result.stderr.contains("had finished") ? Self.statuses[round.signal] : 0
                #expect(result.status == status, "\(label): \(result.status) \(result.stderr)")
            }
        }
        let verified = try pair.snap(["verify", "--all"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        // Most signals must have landed mid-capture, or this tested little.
        #expect(interrupted * 2 >= rounds.count, "only \(interrupted) of \(rounds.count) rounds were interrupted")
        print("interrupt rounds: \(interrupted) interrupted before recording, \(finished) finished first")
    }

    @Test func aCtrlCToTheWholeJobDoesNotKillTheStartInFlight() throws {
        let pair = try StandinPair("interrupt-group")
        try pair.start()
        try #require(try pair.snap(["init"]).status == 0)
        // manager_0's control script, wrapped: `start` says it began, then takes a second.
        let marker = pair.directory("start-begun")
        try pair.wrapControl(0, before: "if [ \"$1\" = start ]; then : > '\(marker)'; sleep 1; fi")
        let process = try pair.startSnap(["create", "--node", "manager_0", "--mode", "cold"])
        let starting = Self.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: marker) }
        try #require(starting, "snap never started manager_0 again")
        // As a terminal's Ctrl-C: to every process of snap's process group. The script snap
        // runs is in a group of its own, so its `start` carries on.
        process.signalGroup(SIGINT)
        let result = process.wait()
        #expect(result.status == 130, "\(result.stderr)")
        #expect(
            result.stderr.contains("snap: interrupted (SIGINT): manager_0 was stopped, copied and started again"),
            "\(result.stderr)")
        #expect(try pair.control(0, ["ping"]).status == 0, "manager_0 is not running")
        #expect(Self.records(in: pair.store).isEmpty)
        let entry = try Self.lastEntry("create") { try pair.snap($0) }
        #expect(entry["outcome"] as? String == "interrupted", "\(entry)")
    }

    @Test func aCreateFromADirectoryInterruptedWhileCompressingLeavesNothing() throws {
        let (scene, source, store) = try Self.storeBesideATree("interrupt-from-dir", files: 32)
        defer { withExtendedLifetime(scene) {} }  // the scene is removed when released
        // zstd level 19 takes seconds over 32 MiB: the signal comes while the bundle is written.
        let process = try SnapBinary.start(
            [
                "create", "--from-dir", source, "--node", "manager_0", "--level", "19", "--allow-incomplete", "--store",
                store,
            ])
        let writing = Self.waitUntil(seconds: 60) {
            Self.leftovers(in: store).contains { $0.hasPrefix("bundles/") }
        }
        #expect(writing, "the bundle's temporary file never appeared")
        usleep(300_000)
        process.signal(SIGINT)
        let result = process.wait()
        #expect(result.status == 130, "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "snap: interrupted (SIGINT): the bundle being written was removed; no snapshot was recorded"),
            "\(result.stderr)")
        #expect(Self.leftovers(in: store).isEmpty, "\(Self.leftovers(in: store))")
        #expect(Self.records(in: store).isEmpty)
        let bundles = try FileManager.default.contentsOfDirectory(atPath: store + "/bundles")
        #expect(bundles.isEmpty, "\(bundles)")
        let entry = try Self.lastEntry("create") { try SnapBinary.run($0 + ["--store", store]) }
        #expect(entry["outcome"] as? String == "interrupted", "\(entry)")
        #expect(try SnapBinary.run(["audit", "verify", "--store", store]).status == 0)
    }

    @Test func anExtractInterruptedMidwayRemovesWhatItUnpacked() throws {
        let (scene, source, store) = try Self.storeBesideATree("interrupt-extract", files: 128)
        let created = try SnapBinary.run(
            [
                "create", "--from-dir", source, "--node", "manager_0", "--level", "1", "--allow-incomplete",
                "--no-verify", "--store", store,
            ])
        try #require(created.status == 0, "\(created.stderr)")
        let target = scene("unpacked")
        let process = try SnapBinary.start(["extract", "latest", "--to", target, "--store", store])
        // Signalled once files are being unpacked into the staging directory beside the target.
        func staging() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: scene.path)) ?? []).filter {
                $0.hasPrefix(".snap-extract-")
            }
        }
        let unpacking = Self.waitUntil(seconds: 30) {
            staging().contains { (FileManager.default.subpaths(atPath: scene($0)) ?? []).count > 3 }
        }
        #expect(unpacking, "nothing was seen being unpacked")
        process.signal(SIGINT)
        let result = process.wait()
        #expect(result.status == 130, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("snap: interrupted (SIGINT): the partly unpacked copy was removed"))
        #expect(!FileManager.default.fileExists(atPath: target), "the target was left behind")
        #expect(staging().isEmpty, "\(staging())")
        let entry = try Self.lastEntry("extract") { try SnapBinary.run($0 + ["--store", store]) }
        #expect(entry["outcome"] as? String == "interrupted", "\(entry)")
    }

    @Test func aWriterWaitingForTheLockStopsAtOnceAndTheHolderAtItsNextSafePoint() throws {
        let fixture = try StoreFixture("interrupt-lock")
        let holder = try SnapBinary.start(
            ["create", "--from-dir", fixture.mnesia, "--node", "manager_0", "--store", fixture.store],
            environment: ["SNAP_DEBUG_HOLD_LOCK_SECONDS": "8"])
        let holds = Self.waitUntil(seconds: 10) {
            let note = (try? String(contentsOfFile: fixture.store + "/lock", encoding: .utf8)) ?? ""
            return note.contains("\"pid\":\(holder.pid)")
        }
        try #require(holds, "the first writer never took the lock")
        let waiter = try SnapBinary.start(
            ["create", "--from-dir", fixture.mnesia, "--node", "manager_1", "--wait", "60", "--store", fixture.store])
        usleep(500_000)
        waiter.signal(SIGHUP)
        let waited = waiter.wait()
        #expect(waited.status == 129, "\(waited.stderr)")
        #expect(
            waited.stderr.contains(
                "snap: interrupted (SIGHUP): it was still waiting for the store lock; nothing was changed"),
            "\(waited.stderr)")
        // It stopped waiting because of the signal, not because the lock came free.
        #expect(holder.process.isRunning)
        holder.signal(SIGTERM)
        let held = holder.wait()
        #expect(held.status == 143, "\(held.stderr)")
        #expect(held.stderr.contains("snap: interrupted (SIGTERM): "), "\(held.stderr)")
        #expect(try fixture.list().isEmpty)
        #expect(Self.leftovers(in: fixture.store).isEmpty, "\(Self.leftovers(in: fixture.store))")
        let entry = try Self.lastEntry("create") { try fixture.snap($0) }
        #expect(entry["outcome"] as? String == "interrupted", "\(entry)")
        #expect((entry["argv"] as? [String])?.contains("manager_0") == true, "the waiter wrote an audit entry")
        #expect(try fixture.snap(["audit", "verify"]).status == 0)
    }
}
