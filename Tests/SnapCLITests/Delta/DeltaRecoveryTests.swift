import Foundation
import SnapTestSupport
import Testing

/// Delta chains when a link is damaged, without snap (zstd, tar, sha256sum), and encrypted.
@Suite struct DeltaRecoveryTests {
    /// The link of a four-capture chain that is damaged: the whole bundle at its root, or
    /// a delta in the middle.
    enum DamagedLink: Int, CaseIterable, Sendable, CustomStringConvertible {
        case root = 0
        case middle = 1

        var description: String { self == .root ? "the whole bundle at the root" : "a delta in the middle" }
    }

    @Test(arguments: DamagedLink.allCases)
    func aDamagedLinkFailsItselfAndEveryDependentOnly(link: DamagedLink) throws {
        let store = try DeltaStore("delta-damage-\(link.rawValue)")
        let chain = try store.chain(4)
        let ids = try chain.map { try #require($0["id"] as? String) }
        for index in 1..<chain.count { #expect(DeltaStore.base(of: chain[index]) == ids[index - 1]) }
        // Another node's snapshot, outside the chain.
        let other = try #require(try store.capture(node: "manager_1").record["id"] as? String)
        var generator = SeededGenerator(seed: 19)
        try FileDamage.flipByte.apply(to: store.bundle(of: chain[link.rawValue]), using: &generator)
        let broken = Set(ids[link.rawValue...])
        let intact = Set(ids[..<link.rawValue]).union([other])

        let verify = try store.fixture.snap(["verify", "--all"])
        #expect(verify.status == 4, "\(verify.stdout)\(verify.stderr)")
        for id in broken { #expect(verify.stdout.contains("FAILED  \(id)"), "\(id) not named: \(verify.stdout)") }
        for id in intact { #expect(!verify.stdout.contains("FAILED  \(id)"), "\(verify.stdout)") }
        let damaged = "v\(link.rawValue + 1) (\(ids[link.rawValue]))"
        for id in broken.subtracting([ids[link.rawValue]]) {
            // A dependent's failure names the link at fault.
            let line = verify.stdout.split(separator: "\n").first { $0.contains("FAILED  \(id)") } ?? ""
            #expect(line.contains(damaged), "\(line)")
        }
        let json = try store.fixture.snap(["verify", "--all", "--json"])
        #expect(json.status == 4)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let failed = try #require(report["failed"] as? [[String: Any]])
        #expect(Set(failed.compactMap { $0["id"] as? String }) == broken, "\(json.stdout)")
        #expect(report["ok"] as? Int == intact.count)

        for id in intact {
            let one = try store.fixture.snap(["verify", id])
            #expect(one.status == 0, "\(id): \(one.stdout)\(one.stderr)")
        }
        if link == .middle { try store.expectExtractMatchesSource(ids[0], version: 1) }
        let newest = store.fixture.directory("newest")
        let extract = try store.fixture.snap(["extract", ids[3], "--to", newest])
        #expect(extract.status == 4, "\(extract.stdout)\(extract.stderr)")
        #expect(extract.stderr.contains(ids[link.rawValue]), "\(extract.stderr)")
        #expect(!FileManager.default.fileExists(atPath: newest), "nothing unpacked")
    }

    /// Runs `executable` with `arguments` in `directory` and requires exit 0.
    static func run(_ executable: String, _ arguments: [String], in directory: String) throws {
        let result = try ProcessRunner.run(executable, arguments, directory: directory)
        try #require(result.status == 0, "\(executable) \(arguments): \(result.stdout)\(result.stderr)")
    }

    @Test func zstdTarAndSha256sumAloneRecoverTheNewestOfAChain() throws {
        let store = try DeltaStore("delta-tools")
        let chain = try store.chain(3)
        #expect(chain[0]["delta_base"] == nil)
        #expect(DeltaStore.base(of: chain[1]) == chain[0]["id"] as? String)
        #expect(DeltaStore.base(of: chain[2]) == chain[1]["id"] as? String)
        let bundles = chain.map(store.bundle(of:))
        #expect(bundles.allSatisfy { $0.hasSuffix(".tar.zst") })
        let work = store.fixture.directory("by-hand")
        try FileManager.default.createDirectory(atPath: work + "/out", withIntermediateDirectories: true)
        // Exactly the commands an operator without snap runs.
        try Self.run("/usr/bin/zstd", ["-d", bundles[0], "-o", "B0.tar"], in: work)
        try Self.run("/usr/bin/zstd", ["-d", "--patch-from=B0.tar", bundles[1], "-o", "B1.tar"], in: work)
        try Self.run("/usr/bin/zstd", ["-d", "--patch-from=B1.tar", bundles[2], "-o", "B2.tar"], in: work)
        try Self.run("/usr/bin/tar", ["-xf", "B2.tar", "-C", "out"], in: work)
        try Self.run("/usr/bin/sha256sum", ["-c", "SHA256SUMS"], in: work + "/out")

        // Each tar is the one the records name.
        let base1 = try #require(chain[1]["delta_base"] as? [String: Any])
        #expect(try DeltaStore.sha256(work + "/B0.tar") == base1["tar_sha256"] as? String)
        #expect(try DeltaStore.sha256(work + "/B1.tar") == chain[1]["tar_sha256"] as? String)
        #expect(try DeltaStore.sha256(work + "/B2.tar") == chain[2]["tar_sha256"] as? String)
        // And what comes out is the third capture's source.
        #expect(
            try RestoreTests.relativeFingerprint(work + "/out/mnesia")
                == RestoreTests.relativeFingerprint(store.source(3)))
        #expect(try DeltaStore.sha256(work + "/out/dump/mnesia.dump") == DeltaStore.sha256(store.fixture.dump))
        let second = try RestoreTests.relativeFingerprint(store.source(2))
        #expect(try RestoreTests.relativeFingerprint(work + "/out/mnesia") != second, "the captures differ")
    }

    @Test func anEncryptedStoreChainsAgeFilesThatExtract() throws {
        let store = try DeltaStore("delta-encrypted")
        let key = try store.fixture.generateKey("key.txt")
        try store.fixture.encrypt(to: [key.recipient], identity: key.path)
        var chain: [[String: Any]] = []
        var logs: [String] = []
        for round in 0..<3 {
            if round > 0 { try store.change(round) }
            let created = try store.capture()
            chain.append(created.record)
            logs.append(created.log)
        }
        let ids = try chain.map { try #require($0["id"] as? String) }
        #expect(chain[0]["delta_base"] == nil)
        for index in 1..<chain.count {
            #expect(DeltaStore.base(of: chain[index]) == ids[index - 1], "create -v said: \(logs[index])")
        }
        let bundles = chain.map(store.bundle(of:))
        #expect(bundles.allSatisfy { $0.hasSuffix(".tar.zst.age") }, "\(bundles)")
        #expect(try store.fixture.bundles().count == 3, "no plain bundle beside them")
        for bundle in bundles {
            let head = try #require(FileHandle(forReadingAtPath: bundle)).readData(ofLength: 22)
            #expect(head == Data("age-encryption.org/v1\n".utf8))
        }
        for (index, id) in ids.enumerated() { try store.expectExtractMatchesSource(id, version: index + 1) }
        let verify = try store.fixture.snap(["verify", "--all"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

        // age opens each link; the payload is the same delta a plain store holds.
        try #require(chain[2]["tar_sha256"] is String, "no delta to decode by hand")
        let work = store.fixture.directory("by-hand")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        for (index, bundle) in bundles.enumerated() {
            try Self.run("/usr/bin/age", ["-d", "-i", key.path, "-o", "B\(index).tar.zst", bundle], in: work)
        }
        try Self.run("/usr/bin/zstd", ["-d", "B0.tar.zst", "-o", "B0.tar"], in: work)
        try Self.run("/usr/bin/zstd", ["-d", "--patch-from=B0.tar", "B1.tar.zst", "-o", "B1.tar"], in: work)
        try Self.run("/usr/bin/zstd", ["-d", "--patch-from=B1.tar", "B2.tar.zst", "-o", "B2.tar"], in: work)
        #expect(try DeltaStore.sha256(work + "/B2.tar") == chain[2]["tar_sha256"] as? String)
    }
}
