import Foundation
import SnapKit
import SnapTestSupport
import Testing

/// Delta bundles (`delta:` in a policy) written by `snap create` and read back by
/// `extract`, `verify` and `restore`, end to end.
@Suite struct DeltaChainTests {
    /// The users created on manager_0 before each capture of ``liveChain(_:captures:)``: no
    /// letters of hex, so no access key can be taken for one.
    static let userNames = ["rosalind", "quill", "wren", "yvonne", "zoltan"]

    /// The user ids manager `index`'s console lists.
    static func users(_ pair: StandinPair, _ index: Int) throws -> Set<String> {
        let reply = try pair.console(index, "get-users")
        let rows = reply.split(whereSeparator: \.isNewline).filter { $0.contains("|") && !$0.hasPrefix("user_id") }
        return Set(rows.compactMap { $0.split(separator: "|").first?.trimmingCharacters(in: .whitespaces) })
    }

    /// A running pair and `captures` captures of manager_0 with a delta policy, a user
    /// created before each (``userNames``): the records as `create --json` printed them,
    /// and `create -v`'s log of each.
    static func liveChain(_ label: String, captures: Int) throws -> (
        pair: StandinPair, records: [[String: Any]], logs: [String]
    ) {
        let pair = try StandinPair(label)
        try pair.start()
        #expect(try pair.snap(["init"]).status == 0)
        let policy = pair.directory("delta-policy.yaml")
        try DeltaStore.writePolicy(policy, maxChain: 10, maxRatio: 8)
        var records: [[String: Any]] = []
        var logs: [String] = []
        for index in 0..<captures {
            let reply = try pair.console(0, "create-user \(userNames[index])")
            try #require(reply.contains("access-key-id"), "\(reply)")
            let created = try pair.snap(["create", "--node", "manager_0", "--policy", policy, "--json", "-v"])
            try #require(created.status == 0, "\(created.stdout)\(created.stderr)")
            let printed = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]]
            records.append(try #require(printed?.first))
            logs.append(created.stderr)
        }
        return (pair, records, logs)
    }

    /// `path: sha256` of every regular file `MANIFEST.json` lists.
    static func manifestFiles(_ path: String) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        let entries = try #require((object as? [String: Any])?["entries"] as? [[String: Any]])
        var files: [String: String] = [:]
        for entry in entries where entry["type"] as? String == "file" {
            files[try #require(entry["path"] as? String)] = try #require(entry["sha256"] as? String)
        }
        return files
    }

    /// `path: sha256` of every file under `root`'s `mnesia` and `dump`, hashed by `sha256sum`.
    static func unpackedFiles(_ root: String) throws -> [String: String] {
        let result = try ProcessRunner.shell(
            "cd '\(root)' && find mnesia dump -type f -print0 | sort -z | xargs -0 sha256sum")
        try #require(result.status == 0, "\(result.stderr)")
        var files: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            files[String(line.dropFirst(66))] = String(line.prefix(64))
        }
        return files
    }

    @Test func aLiveChainRecordsEachBaseAndEveryLinkExtractsAsCaptured() throws {
        let (pair, records, logs) = try Self.liveChain("delta-live", captures: 4)
        let ids = try records.map { try #require($0["id"] as? String) }
        let versions = try records.map { try #require($0["version"] as? Int) }
        #expect(records[0]["delta_base"] == nil, "the first capture has no base: \(records[0])")
        #expect(!logs[0].contains("written as a delta"), "\(logs[0])")
        for index in 1..<records.count {
            let base = try #require(records[index]["delta_base"] as? [String: Any], "\(records[index])")
            #expect(base["snapshot"] as? String == ids[index - 1])
            #expect(base["version"] as? Int == versions[index - 1])
            #expect((base["tar_sha256"] as? String)?.count == 64)
            #expect((records[index]["tar_sha256"] as? String)?.count == 64)
            #expect((records[index]["tar_size"] as? Int ?? 0) > 0)
            // A delta names the tar its base decodes to, which the base's own record says when it is a delta.
            if index > 1 { #expect(base["tar_sha256"] as? String == records[index - 1]["tar_sha256"] as? String) }
            #expect(
                logs[index].contains(
                    "written as a delta of v\(versions[index - 1]) (\(ids[index - 1])): "),
                "\(logs[index])")
            #expect(logs[index].contains("delta \(index) of the chain from v\(versions[0])"), "\(logs[index])")
            // What the store keeps says the same as what create printed.
            let shown = try pair.snap(["show", ids[index], "--json"])
            let snapshot = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
            let stored = (snapshot?["snapshot"] as? [String: Any])?["delta_base"] as? [String: Any]
            #expect(stored?["snapshot"] as? String == ids[index - 1], "\(shown.stdout)")
        }
        let list = try pair.snap(["list", "--json"])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(listed.filter { $0["delta_base"] != nil }.count == records.count - 1)

        for (index, record) in records.enumerated() {
            let out = pair.directory("extract-v\(versions[index])")
            let extract = try pair.snap(["extract", ids[index], "--to", out])
            try #require(extract.status == 0, "\(extract.stdout)\(extract.stderr)")
            // Every file that comes out is the one the capture hashed (the manifest the store
            // keeps beside the bundle, written before any delta was encoded), and no other.
            let sha = try #require(record["bundle_sha256"] as? String)
            let manifest = pair.store + "/bundles/\(sha).manifest.json"
            let captured = try Self.manifestFiles(manifest)
            #expect(captured.keys.contains("dump/mnesia.dump"), "auto captured a dump")
            #expect(try Self.unpackedFiles(out) == captured, "v\(versions[index]) extracts as something else")
            let digest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifest)))
            #expect((digest as? [String: Any])?["tree_digest"] as? String == record["tree_digest"] as? String)
            let sums = try ProcessRunner.run("/usr/bin/sha256sum", ["-c", "--quiet", "SHA256SUMS"], directory: out)
            #expect(sums.status == 0, "\(sums.stdout)\(sums.stderr)")
        }
        let verify = try pair.snap(["verify", "--all"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified 4 snapshots: 4 ok, 0 failed"), "\(verify.stdout)")
    }

    @Test func restoringAMidChainSnapshotBringsBackExactlyItsUsers() throws {
        let (pair, records, _) = try Self.liveChain("delta-restore", captures: 4)
        let chosen = try #require(records[1]["id"] as? String)
        // Mid-chain: a delta (of the first capture) that later deltas are made of.
        #expect(DeltaStore.base(of: records[1]) == records[0]["id"] as? String)
        #expect(DeltaStore.base(of: records[2]) == chosen)
        let created = Set(Self.userNames.prefix(4))
        for index in 0..<2 { #expect(try Self.users(pair, index).isSuperset(of: created)) }

        let result = try pair.snap(["restore", chosen, "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("mode copy"), "\(result.stdout)")
        for index in 0..<2 {
            let users = try Self.users(pair, index)
            // The users created before the chosen capture are back; those created after it are gone.
            #expect(users.intersection(created) == Set(Self.userNames.prefix(2)), "manager_\(index): \(users)")
            #expect(users.contains("_test_leofs"))
        }
        #expect(try pair.control(0, ["ping"]).status == 0)
        #expect(try pair.control(1, ["ping"]).status == 0)
    }

    @Test func aChainEndsAtMaxChainOrMaxRatioAndWithoutDeltaEveryCaptureIsWhole() throws {
        let store = try DeltaStore("delta-limits", maxChain: 2)
        let chain = try store.chain(3)
        try store.change(3)
        let fourth = try store.capture()
        #expect(DeltaStore.base(of: chain[1]) == chain[0]["id"] as? String)
        #expect(DeltaStore.base(of: chain[2]) == chain[1]["id"] as? String)
        #expect(fourth.record["delta_base"] == nil, "\(fourth.record)")
        #expect(fourth.log.contains("written as a whole bundle: "), "\(fourth.log)")
        #expect(fourth.log.contains("max_chain (2)"), "\(fourth.log)")
        try store.change(4)
        let fifth = try store.capture()
        #expect(DeltaStore.base(of: fifth.record) == fourth.record["id"] as? String, "a new chain: \(fifth.log)")

        // Deltas may not add up to more than max_ratio × the chain's whole bundle.
        try DeltaStore.writePolicy(store.policy, maxChain: 24, maxRatio: 0.001)
        try store.change(5)
        let tight = try store.capture()
        #expect(tight.record["delta_base"] == nil, "\(tight.record)")
        #expect(tight.log.contains("max_ratio (0.001)"), "\(tight.log)")

        // Without `delta:` in the policy, a capture is a whole bundle.
        try store.change(6)
        let plain = try store.fixture.snap(
            ["create", "--from-dir", store.mnesia, "--node", "manager_0", "--dump", store.fixture.dump, "--json"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("delta_base"), "\(plain.stdout)")
        let verify = try store.fixture.snap(["verify", "--all"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified 7 snapshots: 7 ok, 0 failed"), "\(verify.stdout)")
    }

    @Test func aBaseLargerThanTheLimitGetsAWholeBundleAndTheChainResumesWithoutIt() throws {
        let store = try DeltaStore("delta-large")
        // Random bytes, 1 MiB more than a delta's base may be (DeltaReference.maxBytes).
        let big = store.mnesia + "/leo_large_table.DCL"
        let made = try ProcessRunner.shell("head -c \(DeltaReference.maxBytes + (1 << 20)) /dev/urandom > '\(big)'")
        try #require(made.status == 0, "\(made.stderr)")
        let first = try store.capture().record
        #expect(DeltaStore.base(of: first) == nil)
        try store.change(1)
        let second = try store.capture()
        #expect(second.record["delta_base"] == nil, "\(second.record)")
        let reason = second.log.split(separator: "\n").first { $0.contains("written as a whole bundle: ") } ?? ""
        #expect(reason.contains("larger than a delta's base may be"), "\(second.log)")

        // Without the large file the base is still the large v2: whole again, for the same reason.
        try FileManager.default.removeItem(atPath: big)
        let third = try store.capture()
        #expect(third.record["delta_base"] == nil, "\(third.record)")
        #expect(third.log.contains("larger than a delta's base may be"), "\(third.log)")
        // Then small captures chain again.
        try store.change(3)
        let fourth = try store.capture()
        #expect(DeltaStore.base(of: fourth.record) == third.record["id"] as? String, "\(fourth.log)")
        #expect(fourth.log.contains("written as a delta of v3"), "\(fourth.log)")

        for record in [second.record, fourth.record] {
            let id = try #require(record["id"] as? String)
            try store.expectExtractMatchesSource(id, version: try #require(record["version"] as? Int))
        }
        let verify = try store.fixture.snap(["verify", "--all"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
