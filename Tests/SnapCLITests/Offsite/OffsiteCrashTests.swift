import Foundation
import SnapTestSupport
import Testing

/// `snap copy` killed with SIGKILL at random points (snap and its rclone together, as a
/// crash of the backup host would), against SeaweedFS and against rclone's `local` backend
/// (which writes objects in place and so leaves half-written ones). After every kill the
/// remote must hold only snapshots that verify; after a rerun, all of them.
@Suite struct OffsiteCrashTests {
    /// The pids of `pid`'s children.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }
    }

    /// Whether every thread of `pid` is stopped (or the process is gone or a zombie).
    static func isStopped(_ pid: Int32) -> Bool {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.allSatisfy { task in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return true }
            let state = stat[stat.index(after: close)...].split(separator: " ").first ?? ""
            return ["T", "t", "Z", "X"].contains(state)
        }
    }

    /// SIGKILL to `process` and to its children at once. It is stopped first (and the
    /// children looked up once it is), so that no rclone it starts meanwhile outlives it
    /// (rclone runs in a process group of its own, which a SIGKILL to snap does not reach).
    static func crash(_ process: RunningProcess) -> ProcessResult {
        kill(process.pid, SIGSTOP)
        let deadline = Date().addingTimeInterval(2)
        while !isStopped(process.pid) && Date() < deadline { usleep(1_000) }
        let children = children(of: process.pid)
        kill(process.pid, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        return process.wait()
    }

    @Test func aCopyKilledAtRandomPointsLeavesOnlySnapshotsThatVerify() throws {
        // A generous deadline: this test is about kills, not a slow server, and SeaweedFS on a
        // machine that runs the whole suite at once can stall for seconds.
        let bed = try OffsiteBed("kills", timeout: "60s")
        var random = SeededGenerator(seed: 2026_12_06)
        // How long an uninterrupted copy of a few captures takes, to spread the kills over it.
        for index in 0..<3 { try bed.capture(node: "manager_\(index % 2)", bytes: 1_500_000) }
        let timing = Date()
        #expect(try bed.snap(["copy", "--to", "nas", "--all"]).status == 0)
        let fullSpan = max(0.2, Date().timeIntervalSince(timing))
        var span = fullSpan
        var killed = 0
        var finished = 0
        var round = 0
        // Until 20 kills landed while snap ran. Some copies finish before their kill: then the
        // kills come sooner (copies get faster as a loaded machine quietens).
        while killed < 20 && round < 120 {
            defer { round += 1 }
            if round % 3 == 0 {
                span = fullSpan  // a new capture to send: a longer copy again
                try bed.capture(
                    node: "manager_\(round % 2)", bytes: Int.random(in: 200_000...3_000_000, using: &random))
            }
            let remote = round % 2 == 0 ? "offsite" : "nas"
            let copy = try bed.startSnap(["copy", "--to", remote, "--all"])
            usleep(UInt32(Double.random(in: 0...span, using: &random) * 1_000_000))
            let result = Self.crash(copy)
            if result.signal == SIGKILL {
                killed += 1
            } else {
                finished += 1
                span = max(0.05, span * 0.7)
            }
            // Invariant after every kill: what the remote lists is complete and reads back good,
            // and its history names it.
            for name in ["offsite", "nas"] {
                let listed = try bed.snap(["list", "--remote", name, "--json"])
                guard listed.status == 0 else {
                    // Nothing there yet (the first copy was killed before store.json landed).
                    #expect(listed.stderr.contains("holds nothing"), "round \(round) \(name): \(listed.stderr)")
                    continue
                }
                let snapshots =
                    try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
                let incomplete = snapshots.filter { $0["complete"] as? Bool != true }.map {
                    ($0["record"] as? [String: Any])?["id"] as? String ?? "?"
                }
                #expect(incomplete.isEmpty, "round \(round) \(name): listed incomplete: \(incomplete)")
                #expect(!listed.stderr.contains("warning"), "round \(round) \(name): \(listed.stderr)")
                let verify = try bed.snap(["verify", "--remote", name])
                #expect(verify.status == 0, "round \(round) \(name): \(verify.stdout)\(verify.stderr)")
            }
        }
        #expect(killed >= 20, "\(killed) kills landed, \(finished) copies finished first")
        // The rerun finishes both remotes: every snapshot of the store there, all verifying.
        let ids = Set(((try bed.json(["list"])) as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        for name in ["offsite", "nas"] {
            let rerun = try bed.snap(["copy", "--to", name, "--all"])
            #expect(rerun.status == 0, "\(name): \(rerun.stderr)")
            let listed = try #require(try bed.json(["list", "--remote", name]) as? [[String: Any]])
            let there = Set(listed.compactMap { ($0["record"] as? [String: Any])?["id"] as? String })
            #expect(there == ids, "\(name)")
            #expect(try bed.snap(["verify", "--remote", name]).status == 0)
        }
        // Nothing unfinished is left on the bucket.
        #expect(!(try bed.remoteObjects().keys.contains { $0.hasPrefix("incoming/") }))
        print("offsite kills: \(killed) kills, \(finished) copies finished before their kill, \(ids.count) snapshots")
    }
}
