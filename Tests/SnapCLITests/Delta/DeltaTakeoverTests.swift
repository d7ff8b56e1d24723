import Foundation
import SnapTestSupport
import Testing

/// Case 2 (takeover) from a delta snapshot: the dump comes out of the chain decoded on snap's
/// host and is loaded into a fresh schema on a new pair.
@Suite struct DeltaTakeoverTests {
    @Test func aNewPairTakesOverFromADeltaSnapshot() throws {
        let pair = try StandinPair("delta-load")
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let policy = pair.directory("delta.yaml")
        try "keep:\n  last: 10\ndelta:\n  max_chain: 8\n".write(toFile: policy, atomically: true, encoding: .utf8)
        _ = try pair.console(0, "create-user alice", "add-bucket photos 05236")
        #expect(try pair.snap(["create", "--all", "--policy", policy]).status == 0)
        _ = try pair.console(0, "create-user bob")
        let second = try pair.snap(["create", "--all", "--policy", policy, "--json"])
        try #require(second.status == 0, "\(second.stderr)")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [[String: Any]])
        let newest = try #require(records.first { $0["node"] as? String == "manager_0" })
        #expect(newest["delta_base"] != nil, "\(second.stdout)")
        let snapshotState = try pair.console(0, "get-users", "get-buckets")
        #expect(snapshotState.contains("bob"))

        let fresh = try RestoreTests.takeoverPair("delta-takeover", from: pair)
        try pair.stop()
        let id = try #require(newest["id"] as? String)
        let result = try fresh.snap(["restore", id, "--to", "manager_0", "--to", "manager_1", "--yes", "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\"mode\" : \"load\""))
        #expect(try fresh.console(0, "get-users", "get-buckets") == snapshotState)
        #expect(try fresh.console(1, "get-users", "get-buckets") == snapshotState)
    }
}
