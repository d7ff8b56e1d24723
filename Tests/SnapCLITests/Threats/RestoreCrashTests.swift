import Foundation
import SnapTestSupport
import Testing

/// A restore killed (SIGKILL) at each journaled step in turn is finished by `--resume`, or
/// undone by `--rollback`, with the pair healthy and nothing lost.
@Suite struct RestoreCrashTests {
    enum Recovery: String, CaseIterable, Sendable { case resume, rollback }

    /// The id of the one restore in `phase`, from its journal.
    static func unfinishedRestore(_ pair: StandinPair, phase: String = "running") throws -> String {
        try unfinishedRestore(store: pair.store, phase: phase)
    }

    /// The id of the one restore in `phase` in the store at `store`.
    static func unfinishedRestore(store: String, phase: String = "running") throws -> String {
        let ids = try FileManager.default.contentsOfDirectory(atPath: store + "/restores")
        for id in ids {
            let journal = try String(contentsOfFile: store + "/restores/\(id)/journal.json", encoding: .utf8)
            if journal.contains("\"phase\" : \"\(phase)\"") { return id }
        }
        throw FixtureError(message: "no unfinished restore among \(ids)")
    }

    /// User ids and bucket names: what a restore must bring back (access keys of users
    /// created again differ from round to round).
    static func names(_ pair: StandinPair) throws -> [String] {
        try pair.console(0, "get-users", "get-buckets").components(separatedBy: "\r\n").compactMap { line in
            let first = line.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            return first.isEmpty ? nil : first
        }
    }

    @Test(arguments: Recovery.allCases)
    func killedAtEveryStep(recovery: Recovery) throws {
        let (pair, _, _) = try RestoreTests.pairWithSnapshot("restore-kill-\(recovery.rawValue)")
        let changedState = try Self.names(pair)
        #expect(changedState.contains("mallory") && !changedState.contains("alice"))
        var snapshotState = changedState.filter { $0 != "mallory" && $0 != "junk" }
        snapshotState += ["alice", "photos"]
        let listed = try JSONSerialization.jsonObject(
            with: Data(try pair.snap(["list", "--node", "manager_0", "--json"]).stdout.utf8))
        let snapshot = try #require((listed as? [[String: Any]])?.first?["id"] as? String)
        let arguments = ["restore", snapshot, "--to", "manager_0", "--to", "manager_1", "--yes"]
        let plan = try pair.snap(arguments + ["--dry-run", "--json"])
        let steps = try #require(
            ((try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["steps"] as? [Any])?
                .count)
        #expect(steps >= 18)
        var survived = 0
        for step in 1...steps {
            // Each round starts from the changed state, which a restore replaces.
            let before = try Self.names(pair)
            #expect(Set(before) == Set(changedState), "round \(step) did not start from the changed state")
            let killed = try pair.snap(arguments, environment: ["SNAP_DEBUG_KILL_AT_STEP": String(step)])
            #expect(killed.status != 0, "step \(step): \(killed.stderr)")
            #expect(!killed.stdout.contains("restored"), "step \(step)")
            // The journal says exactly where it stopped: this step started, none after it.
            let id = try Self.unfinishedRestore(pair)
            let journal = try Data(contentsOf: URL(fileURLWithPath: pair.store + "/restores/\(id)/journal.json"))
            let states = (try JSONSerialization.jsonObject(with: journal) as? [String: Any])?["states"] as? [String]
            #expect(states?.firstIndex(of: "started") == step - 1, "step \(step)")
            #expect(states?.dropFirst(step).allSatisfy { $0 == "pending" } == true, "step \(step)")
            let warned = try pair.snap(["list"])
            #expect(warned.stderr.contains("restore \(id) is unfinished"))
            let checked = try pair.snap(["check"])
            #expect(checked.status == 2, "step \(step): \(checked.stdout)")
            #expect(
                checked.stdout.contains("CRITICAL: manager_0") && checked.stdout.contains("unfinished restore \(id)"))
            let refused = try pair.snap(arguments)
            #expect(refused.status == 6)
            #expect(refused.stderr.contains("--resume \(id)"))

            let recovered = try pair.snap(["restore", "--\(recovery.rawValue)", id])
            #expect(recovered.status == 0, "step \(step): \(recovered.stdout)\(recovered.stderr)")
            #expect(try pair.control(0, ["ping"]).status == 0, "step \(step)")
            #expect(try pair.control(1, ["ping"]).status == 0, "step \(step)")
            let after = Set(try Self.names(pair))
            let expected = Set(recovery == .resume ? snapshotState : changedState)
            #expect(after == expected, "step \(step)")
            #expect(
                try pair.console(1, "get-users", "get-buckets") == pair.console(0, "get-users", "get-buckets"),
                "step \(step)")
            if after == expected { survived += 1 }
            if recovery == .resume {
                _ = try pair.console(0, "create-user mallory", "add-bucket junk 05236", "delete-user alice")
            }
        }
        #expect(try pair.snap(["verify", "--all"]).status == 0)
        #expect(try pair.snap(["audit", "verify"]).status == 0)
        print("restore killed at \(steps) steps, \(survived) recovered by --\(recovery.rawValue)")
    }
}
