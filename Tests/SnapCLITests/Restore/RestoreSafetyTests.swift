import Foundation
import Glibc
import SnapTestSupport
import Testing

/// The restore path tried as an operator would: rollbacks run twice or at once, commands
/// run while a restore is unfinished, a store on another file system, a lost directory.
/// Each test reproduces a way an earlier snap lost the managers' data.
@Suite struct RestoreSafetyTests {
    static let both = ["--to", "manager_0", "--to", "manager_1"]

    /// A pair holding the changed state, a snapshot of both taken before the change, and a
    /// restore of that snapshot killed at `step`; returns the restore's id.
    static func killedRestore(_ label: String, at step: Int) throws -> (
        pair: StandinPair, id: String, changed: [String], snapshot: String
    ) {
        let (pair, _, _) = try RestoreTests.pairWithSnapshot(label)
        let changed = try RestoreCrashTests.names(pair)
        let snapshot = try latestId(pair, node: "manager_0")
        let killed = try pair.snap(
            ["restore", snapshot] + both + ["--yes"], environment: ["SNAP_DEBUG_KILL_AT_STEP": String(step)])
        #expect(killed.signal == SIGKILL || killed.status == 9, "\(killed.stderr)")
        return (pair, try RestoreCrashTests.unfinishedRestore(pair), changed, snapshot)
    }

    static func latestId(_ pair: StandinPair, node: String) throws -> String {
        let listed = try JSONSerialization.jsonObject(
            with: Data(try pair.snap(["list", "--node", node, "--json"]).stdout.utf8))
        return try #require((listed as? [[String: Any]])?.first?["id"] as? String)
    }

    static func recordCount(_ pair: StandinPair) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: pair.store + "/snapshots").filter { $0.hasSuffix(".json") }
            .count
    }

    /// Names and sizes of the files in a directory, sorted: what a put-back must restore.
    static func listing(_ path: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { name in
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name)[.size] as? Int) ?? -1
            return "\(name) \(size ?? -1)"
        }
    }

    static func bothRun(_ pair: StandinPair) throws -> Bool {
        try pair.control(0, ["ping"]).status == 0 && pair.control(1, ["ping"]).status == 0
    }

    /// Finding 1: a rollback killed after it put manager_0's files back, run again, used to
    /// clear the directory and start the node on a fresh schema, exit 0.
    @Test func aRollbackKilledAfterItsPutBackIsFinishedByTheNext() throws {
        let (pair, id, changed, _) = try Self.killedRestore("safety-rerun", at: 13)
        let rescued = Self.listing(pair.store + "/restores/\(id)/rescue/manager_0")
        #expect(!rescued.isEmpty)
        let first = try SnapBinary.start(["restore", "--rollback", id, "--config", pair.config])
        // Killed the moment manager_0's directory holds its previous files again.
        var sawPutBack = false
        for _ in 0..<6000 where first.process.isRunning {
            if Self.listing(pair.mnesia(0)) == rescued {
                kill(first.process.processIdentifier, SIGKILL)
                sawPutBack = true
                break
            }
            usleep(5000)
        }
        _ = first.wait()
        #expect(sawPutBack)
        let second = try pair.snap(["restore", "--rollback", id])
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(try Self.bothRun(pair))
        #expect(Set(try RestoreCrashTests.names(pair)) == Set(changed))
        let third = try pair.snap(["restore", "--rollback", id])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("already rolled back; nothing to do"))
        #expect(Set(try RestoreCrashTests.names(pair)) == Set(changed))
        let resumed = try pair.snap(["restore", "--resume", String(id.prefix(6))])
        #expect(resumed.status == 1)
        #expect(resumed.stderr.contains("rolled back"))
        #expect(try pair.snap(["audit", "verify"]).status == 0)
        #expect(try pair.snap(["verify", "--all"]).status == 0)
    }

    /// Finding 1: two operators running the same rollback at once; the journal is read
    /// under the lock, so the second finds nothing left to do.
    @Test func twoRollbacksAtOnceLeaveThePreviousFiles() throws {
        let (pair, id, changed, _) = try Self.killedRestore("safety-twice", at: 13)
        let one = try SnapBinary.start(["restore", "--rollback", id, "--wait", "120", "--config", pair.config])
        let two = try SnapBinary.start(["restore", "--rollback", id, "--wait", "120", "--config", pair.config])
        let results = [one.wait(), two.wait()]
        for result in results { #expect(result.status == 0, "\(result.stdout)\(result.stderr)") }
        #expect(results.filter { $0.stdout.contains("nothing to do") }.count == 1)
        #expect(try Self.bothRun(pair))
        #expect(Set(try RestoreCrashTests.names(pair)) == Set(changed))
    }

    /// Finding 1: the message of a rollback whose `start` failed named an empty rescue
    /// folder, and running --rollback as it said wiped the directories.
    @Test func aRollbackWhoseStartFailedIsFinishedByRunningItAgain() throws {
        let (pair, _, _) = try RestoreTests.pairWithSnapshot("safety-start")
        let changed = try RestoreCrashTests.names(pair)
        // manager_1's `start` fails twice: the restore's, then its rollback's.
        let counter = pair.directory("failing-starts")
        try pair.wrapControl(
            1,
            before: """
                if [ "$1" = start ] && [ -s "\(counter)" ]; then
                    sed -i '$d' "\(counter)"; echo "injected start failure"; exit 3
                fi
                """)
        try "1\n2\n".write(toFile: counter, atomically: true, encoding: .utf8)
        let result = try pair.snap(["restore", "latest@manager_0"] + Self.both + ["--yes"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("so did its rollback"))
        // Every place the message names holds the files it says it holds.
        #expect(result.stderr.contains("manager_0's previous files are back in \(pair.mnesia(0))"), "\(result.stderr)")
        #expect(!Self.listing(pair.mnesia(0)).isEmpty)
        let id = try RestoreCrashTests.unfinishedRestore(pair, phase: "rollback-failed")
        let again = try pair.snap(["restore", "--rollback", id])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try Self.bothRun(pair))
        #expect(Set(try RestoreCrashTests.names(pair)) == Set(changed))
        // The restore is over and its pre-restore snapshots verified: the rescue is gone.
        #expect(!FileManager.default.fileExists(atPath: pair.store + "/restores/\(id)/rescue"))
    }

    /// Finding 3: with a restore unfinished, cron's create recorded empty snapshots that
    /// became `latest`, and a prune could remove what the restore needs.
    @Test func createAndPruneRefuseWhileARestoreIsUnfinished() throws {
        let (pair, id, changed, snapshot) = try Self.killedRestore("safety-blocks", at: 9)
        let before = try Self.recordCount(pair)
        let cron = try pair.snap(["create", "--prune", "--quiet", "--wait", "600"])
        #expect(cron.status == 6, "\(cron.stdout)\(cron.stderr)")
        #expect(cron.stderr.contains("restore \(id)"))
        #expect(cron.stderr.contains("--resume \(id)") && cron.stderr.contains("--rollback \(id)"))
        let prune = try pair.snap(["prune", "--keep-last", "1"])
        #expect(prune.status == 6, "\(prune.stderr)")
        let dry = try pair.snap(["prune", "--keep-last", "1", "--dry-run"])
        #expect(dry.stdout.contains("restored by unfinished restore \(id)"), "\(dry.stdout)")
        #expect(try Self.recordCount(pair) == before)
        let history = try pair.snap(["history", "--action", "create", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"failed\""))
        // A rollback needs neither the snapshot nor a prune's consent.
        try FileManager.default.removeItem(atPath: pair.store + "/snapshots/\(snapshot).json")
        let rollback = try pair.snap(["restore", "--rollback", id])
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(try Self.bothRun(pair))
        #expect(Set(try RestoreCrashTests.names(pair)) == Set(changed))
        #expect(try pair.snap(["create", "--quiet"]).status == 0)
    }

    /// Finding 2: a prune between the plan and the first step removed the snapshot, and the
    /// restore stopped both managers for nothing; now it re-checks under the lock.
    @Test func aSnapshotPrunedWhileTheRestoreWaitsIsRefusedUntouched() throws {
        let (pair, _, changedState) = try RestoreTests.pairWithSnapshot("safety-pruned")
        #expect(try pair.snap(["create", "--quiet"]).status == 0)
        let prune = try SnapBinary.start(
            ["prune", "--keep-last", "1", "--config", pair.config], environment: ["SNAP_DEBUG_HOLD_LOCK_SECONDS": "4"])
        var locked = false
        for _ in 0..<400 {
            if let holder = try? String(contentsOfFile: pair.store + "/lock", encoding: .utf8), holder.contains("prune")
            {
                locked = true
                break
            }
            usleep(10_000)
        }
        #expect(locked)
        let restore = try pair.snap(["restore", "v1"] + Self.both + ["--yes", "--wait", "60"])
        #expect(prune.wait().status == 0)
        #expect(restore.status == 1, "\(restore.stdout)\(restore.stderr)")
        #expect(restore.stderr.contains("no snapshot matches v1"), "\(restore.stderr)")
        #expect(!restore.stderr.contains("[1/"))
        #expect(try Self.bothRun(pair))
        #expect(try pair.console(0, "get-users", "get-buckets") == changedState)
    }

    /// Finding 2: a restore waiting for the lock while another was killed with both
    /// directories empty ran anyway and recorded empty pre-restore snapshots.
    @Test func aRestoreThatGetsTheLockAfterAnotherWasKilledRefuses() throws {
        let (pair, _, _) = try RestoreTests.pairWithSnapshot("safety-second")
        let snapshot = try Self.latestId(pair, node: "manager_0")
        let first = try SnapBinary.start(
            ["restore", snapshot] + Self.both + ["--yes", "--config", pair.config],
            environment: ["SNAP_DEBUG_HOLD_LOCK_SECONDS": "3", "SNAP_DEBUG_KILL_AT_STEP": "9"])
        usleep(1_000_000)
        let second = try pair.snap(["restore", snapshot] + Self.both + ["--yes", "--wait", "120"])
        _ = first.wait()
        #expect(second.status == 6, "\(second.stdout)\(second.stderr)")
        #expect(second.stderr.contains("is unfinished"))
        let preRestore = try pair.snap(["list", "--tag", "pre-restore", "--json"])
        let records = try JSONSerialization.jsonObject(with: Data(preRestore.stdout.utf8)) as? [[String: Any]]
        #expect(records?.count == 2)
        #expect(records?.allSatisfy { ($0["bundle_size"] as? Int ?? 0) > 0 } == true)
    }

    /// Restore ids resolve like snapshot refs, and anything else is refused.
    @Test func restoreIdsResolveByPrefixAndRejectAnythingElse() throws {
        let (pair, id, changed, _) = try Self.killedRestore("safety-ids", at: 3)
        let path = try pair.snap(["restore", "--rollback", "../../etc"])
        #expect(path.status == 2)
        #expect(path.stderr.contains("is not a restore id"))
        let unknown = try pair.snap(["restore", "--rollback", "abcdef0123"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no restore abcdef0123"))
        let prefix = try pair.snap(["restore", "--rollback", String(id.prefix(5))])
        #expect(prefix.status == 0, "\(prefix.stderr)")
        #expect(try Self.bothRun(pair))
        #expect(Set(try RestoreCrashTests.names(pair)) == Set(changed))
    }

    /// Finding 4 for restores: Ctrl-C stops a restore between two steps, with its journal
    /// consistent, an `interrupted` audit entry and exit 130 from snap itself.
    @Test func aRestoreInterruptedStopsBetweenStepsAndResumes() throws {
        let (pair, snapshotState, _) = try RestoreTests.pairWithSnapshot("safety-sigint")
        let snapshot = try Self.latestId(pair, node: "manager_0")
        let running = try SnapBinary.start(["restore", snapshot] + Self.both + ["--yes", "--config", pair.config])
        // Interrupted once the rescue of manager_0 is journaled as started.
        var sent = false
        for _ in 0..<6000 where running.process.isRunning {
            let restores = (try? FileManager.default.contentsOfDirectory(atPath: pair.store + "/restores")) ?? []
            if let id = restores.first,
                let data = FileManager.default.contents(atPath: pair.store + "/restores/\(id)/journal.json"),
                let journal = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                let states = journal["states"] as? [String], states.count > 4, states[4] != "pending"
            {
                kill(running.process.processIdentifier, SIGINT)
                sent = true
                break
            }
            usleep(5000)
        }
        let result = running.wait()
        #expect(sent)
        #expect(result.status == 130, "\(result.stdout)\(result.stderr)")
        let id = try RestoreCrashTests.unfinishedRestore(pair)
        #expect(result.stderr.contains("interrupted (SIGINT): restore \(id) stopped"), "\(result.stderr)")
        #expect(result.stderr.contains("--resume \(id)"))
        let history = try pair.snap(["history", "--action", "restore", "--json"])
        #expect(history.stdout.contains("\"outcome\" : \"interrupted\""))
        let resumed = try pair.snap(["restore", "--resume", id])
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(try pair.console(0, "get-users", "get-buckets") == snapshotState)
        #expect(try pair.console(1, "get-users", "get-buckets") == snapshotState)
        #expect(try pair.snap(["audit", "verify"]).status == 0)
    }

    /// Rescued files go once the pre-restore snapshots that hold them verify; while one
    /// does not, they stay, and the rollback, `list` and `check` say where.
    @Test func aRescueStaysWhileItsPreRestoreSnapshotDoesNotVerify() throws {
        let (pair, id, changed, _) = try Self.killedRestore("safety-rescue", at: 13)
        let records =
            try JSONSerialization.jsonObject(
                with: Data(try pair.snap(["list", "--tag", "pre-restore", "--json"]).stdout.utf8)) as? [[String: Any]]
        let damaged = try #require(
            records?.first { $0["node"] as? String == "manager_0" }?["bundle_sha256"] as? String)
        let bundle = pair.store + "/bundles/\(damaged).tar.zst"
        let handle = try #require(FileHandle(forUpdatingAtPath: bundle))
        try handle.seek(toOffset: 200)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: 200)
        try handle.write(contentsOf: Data([byte ^ 0xff]))
        try handle.close()
        let rollback = try pair.snap(["restore", "--rollback", id])
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(Set(try RestoreCrashTests.names(pair)) == Set(changed))
        let rescue = pair.store + "/restores/\(id)/rescue"
        #expect(rollback.stderr.contains("the rescued files stay in \(rescue)"), "\(rollback.stderr)")
        #expect(!Self.listing(rescue + "/manager_0").isEmpty)
        #expect(try pair.snap(["list"]).stderr.contains("its rescued files remain in \(rescue)"))
        #expect(try pair.snap(["check"]).stdout.contains("its rescued files remain in \(rescue)"))
    }

    /// A restore that fails before it moved any file (here manager_1's `stop` leaves it
    /// running) starts again the managers it stopped, instead of leaving them down.
    @Test func aRestoreThatFailsBeforeMovingAnythingStartsThePairAgain() throws {
        let (pair, _, changedState) = try RestoreTests.pairWithSnapshot("safety-nostop")
        try pair.setTimeout(5, of: 1)  // how long snap waits for the VM that never goes
        try pair.wrapControl(1, before: "if [ \"$1\" = stop ]; then echo 'stop ignored'; exit 0; fi")
        let result = try pair.snap(["restore", "latest@manager_0"] + Self.both + ["--yes"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("still running"), "\(result.stderr)")
        #expect(result.stderr.contains("no file was moved, and manager_0, manager_1 were started again"))
        #expect(try Self.bothRun(pair))
        #expect(try pair.console(0, "get-users", "get-buckets") == changedState)
        #expect(try pair.snap(["create", "--quiet"]).status == 0)
    }
}
