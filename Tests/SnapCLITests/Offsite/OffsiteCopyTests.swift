import Foundation
import SnapTestSupport
import Testing

/// `snap copy`, `list --remote` and `verify --remote` against a real S3 server (SeaweedFS,
/// which checks every request's signature) and against rclone's `local` backend.
@Suite struct OffsiteCopyTests {
    static func records(_ value: Any) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    @Test(arguments: ["offsite", "nas"])
    func copiesWhatTheRemoteLacksAndReadsItBack(remote: String) throws {
        let bed = try OffsiteBed("copy-\(remote)")
        let ids = try (0..<3).map { try bed.capture(node: "manager_\($0 % 2)") }
        let first = try #require(try bed.json(["copy", "--to", remote, "--all"]) as? [String: Any])
        #expect(Set(first["copied"] as? [String] ?? []) == Set(ids))
        #expect((first["present"] as? [String])?.isEmpty == true)

        // Each record says where its copy is; show says it too.
        for record in Self.records(try bed.json(["list"])) {
            let copies = record["copies"] as? [[String: Any]] ?? []
            #expect(copies.map { $0["remote"] as? String } == [remote], "\(record)")
        }
        #expect(try bed.snap(["show", ids[0]]).stdout.contains("off site      \(remote) (copied "))

        // The remote lists them, complete, with the records as they were copied.
        let listed = Self.records(try bed.json(["list", "--remote", remote]))
        #expect(Set(listed.compactMap { ($0["record"] as? [String: Any])?["id"] as? String }) == Set(ids))
        #expect(listed.allSatisfy { $0["complete"] as? Bool == true })
        let verified = try #require(try bed.json(["verify", "--remote", remote]) as? [String: Any])
        #expect(verified["bundles_read"] as? Int == 3 && (verified["problems"] as? [Any])?.isEmpty == true)

        // A second copy sends only the audit entries written since; a new snapshot goes alone.
        let again = try #require(try bed.json(["copy", "--to", remote, "--all"]) as? [String: Any])
        #expect((again["copied"] as? [String])?.isEmpty == true && (again["present"] as? [String])?.count == 3)
        #expect(again["objects"] as? Int == 1, "one audit segment: \(again)")
        let fourth = try bed.capture()
        let last = try #require(try bed.json(["copy", "--to", remote, fourth]) as? [String: Any])
        #expect(last["copied"] as? [String] == [fourth])

        // Everything is in the audit log, and the remote's history is the store's.
        let history = try bed.snap(["history", "--action", "copy"])
        #expect(history.stdout.components(separatedBy: "\n").filter { $0.contains(" copy ") }.count == 3)
        #expect(try bed.snap(["verify", "--remote", remote]).status == 0)
    }

    @Test func theLayoutOnTheBucketIsTheStoresAndNothingUnfinishedIsLeft() throws {
        let bed = try OffsiteBed("layout")
        let id = try bed.capture()
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        let objects = try bed.remoteObjects()
        let record = try #require(Self.records(try bed.json(["list"])).first)
        let sha = try #require(record["bundle_sha256"] as? String)
        #expect(objects["bundles/\(sha).tar.zst"] == record["bundle_size"] as? Int)
        #expect(objects["bundles/\(sha).manifest.json"] != nil && objects["snapshots/\(id).json"] != nil)
        #expect(objects["store.json"] != nil)
        #expect(objects.keys.contains { $0.hasPrefix("audit/0000000001-") && $0.hasSuffix(".jsonl") })
        #expect(!objects.keys.contains { $0.hasPrefix("incoming/") }, "\(objects.keys)")
    }

    @Test func aSampledVerifyReadsEveryBundleOnceWithinItsRounds() throws {
        let bed = try OffsiteBed("sample")
        for index in 0..<8 { try bed.capture(node: "manager_\(index % 2)", bytes: 4096) }
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        var read = 0
        var slices: [Int] = []
        for _ in 0..<4 {
            let report = try #require(
                try bed.json(["verify", "--remote", "offsite", "--sample", "25"]) as? [String: Any])
            #expect(report["slices"] as? Int == 4)
            slices.append(report["slice"] as? Int ?? 0)
            read += report["bundles_read"] as? Int ?? 0
        }
        #expect(slices == [1, 2, 3, 4])
        #expect(read == 8, "4 runs of 25% read each of the 8 bundles once")
        // The verdict lands in the records: every copy read back.
        for record in Self.records(try bed.json(["list"])) {
            let copy = (record["copies"] as? [[String: Any]])?.first
            #expect(copy?["verified"] != nil, "\(record["id"] ?? "")")
        }
    }

    /// The README's way back without snap: rclone copy, then tar and sha256sum, as today.
    @Test func aCopyIsRecoverableWithRcloneTarAndSha256sum() throws {
        let bed = try OffsiteBed("nosnap")
        try bed.capture()
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        let sha = try #require(Self.records(try bed.json(["list"])).first?["bundle_sha256"] as? String)
        let fetched = bed.directory("fetched")
        let copy = try bed.server.rclone(["copy", "\(bed.remotePath)/bundles/\(sha).tar.zst", fetched])
        #expect(copy.status == 0, "\(copy.stderr)")
        let unpacked = bed.directory("unpacked")
        let result = try ProcessRunner.shell(
            "mkdir -p '\(unpacked)' && tar --zstd -xf '\(fetched)/\(sha).tar.zst' -C '\(unpacked)' "
                + "&& cd '\(unpacked)' && sha256sum -c SHA256SUMS")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("mnesia/schema.DAT: OK"))
    }

    @Test func aStoreKeepsItsCopiesApartFromAnotherStores() throws {
        let bed = try OffsiteBed("foreign")
        try bed.capture()
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        // A second store configured with the same remote path.
        let other = bed.directory("other.yaml")
        try (try String(contentsOfFile: bed.config, encoding: .utf8))
            .replacingOccurrences(of: "store: \(bed.store)", with: "store: \(bed.directory("other-store"))")
            .write(toFile: other, atomically: true, encoding: .utf8)
        chmod(other, 0o600)
        #expect(try SnapBinary.run(["init", "--config", other]).status == 0)
        let refused = try SnapBinary.run(["copy", "--to", "offsite", "--all", "--config", other])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("holds the copies of another store"), "\(refused.stderr)")
    }
}
