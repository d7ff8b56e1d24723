import Foundation
import SnapTestSupport
import Testing

/// `snap prune` over delta chains: a kept delta keeps every snapshot it is decoded from.
@Suite struct DeltaPruneTests {
    /// `prune ... --dry-run --json`'s decisions by version.
    static func decisions(_ store: DeltaStore, _ arguments: [String]) throws -> [Int: [String: Any]] {
        let result = try store.fixture.snap(["prune"] + arguments + ["--json"])
        try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
        let decisions = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: try decisions.map { (try #require($0["version"] as? Int), $0) })
    }

    /// Every file of the store with its SHA-256.
    static func storeFingerprint(_ store: DeltaStore) throws -> String {
        try RestoreTests.relativeFingerprint(store.store)
    }

    @Test func keepLastTwoKeepsTheNewestAndTheirBasesAndRemovesTheRest() throws {
        // max_chain 4 over ten captures: v1 whole, v2-v5 deltas, v6 whole, v7-v10 deltas.
        let store = try DeltaStore("delta-prune", maxChain: 4)
        let chain = try store.chain(10)
        let ids = try chain.map { try #require($0["id"] as? String) }
        #expect(try chain.map { try #require($0["version"] as? Int) } == Array(1...10))
        for index in 0..<10 {
            let expected = index == 0 || index == 5 ? nil : ids[index - 1]
            #expect(DeltaStore.base(of: chain[index]) == expected, "v\(index + 1): \(chain[index])")
        }

        let before = try Self.storeFingerprint(store)
        let byPolicy = try Self.decisions(store, ["--policy", store.policy, "--dry-run"])
        let byFlag = try Self.decisions(store, ["--keep-last", "2", "--dry-run"])
        for decided in [byPolicy, byFlag] {
            #expect(decided.keys.sorted() == Array(1...10))
            let kept = decided.filter { $0.value["keep"] as? Bool == true }.keys.sorted()
            #expect(kept == [6, 7, 8, 9, 10], "\(decided)")
            for version in 6...8 {
                // Kept only as a base, of each kept delta that is decoded from it.
                let reasons = decided[version]?["reasons"] as? [String] ?? []
                #expect(Set(reasons).isSuperset(of: ["base of v9", "base of v10"]), "v\(version): \(reasons)")
                #expect(reasons.allSatisfy { $0.hasPrefix("base of v") }, "v\(version): \(reasons)")
            }
            for version in 9...10 {
                let reasons = decided[version]?["reasons"] as? [String] ?? []
                #expect(reasons.contains("last 2"), "v\(version): \(reasons)")
            }
        }
        let text = try store.fixture.snap(["prune", "--keep-last", "2", "--dry-run"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("5 kept, 5 to remove (dry run)"), "\(text.stdout)")
        let v8 = text.stdout.split(separator: "\n").first { $0.hasPrefix(ids[7]) } ?? ""
        #expect(v8.contains("keep") && v8.contains("base of v10"), "\(text.stdout)")
        #expect(try Self.storeFingerprint(store) == before, "a dry run changes nothing")

        let pruned = try store.fixture.snap(["prune", "--policy", store.policy])
        #expect(pruned.status == 0, "\(pruned.stdout)\(pruned.stderr)")
        let left = try store.fixture.list()
        #expect(Set(left.compactMap { $0["id"] as? String }) == Set(ids[5...]))
        #expect(try store.fixture.bundles().count == 5, "the removed snapshots' bundles went with them")
        // Prune does not rewrite bundles: what is left is what was written.
        for record in chain[5...] { #expect(FileManager.default.fileExists(atPath: store.bundle(of: record))) }
        let verify = try store.fixture.snap(["verify", "--all"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("verified 5 snapshots: 5 ok, 0 failed"), "\(verify.stdout)")
        try store.expectExtractMatchesSource(ids[9], version: 10)
        // Pruned again, nothing goes: the bases are still needed.
        let again = try Self.decisions(store, ["--policy", store.policy])
        #expect(again.values.allSatisfy { $0["keep"] as? Bool == true }, "\(again)")
        #expect(try store.fixture.list().count == 5)
    }
}
