import Foundation
import SnapTestSupport
import Testing

/// What the store side can get wrong before anything reaches a remote: a damaged bundle, a
/// damaged audit log, a remote that was emptied, and a store rebuilt from one remote copying
/// to another.
@Suite struct OffsiteStoreSideTests {
    static func records(_ value: Any) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

    @Test func aDamagedBundleInTheStoreIsNeverSentAndTheOthersAre() throws {
        let bed = try OffsiteBed("damaged-here")
        let damaged = try bed.capture()
        let sound = try bed.capture()
        let record = try #require(Self.records(try bed.json(["list"])).first { $0["id"] as? String == damaged })
        let bundle = bed.store + "/bundles/\(try #require(record["bundle_sha256"] as? String)).tar.zst"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: bundle))
        let copy = try bed.snap(["copy", "--to", "nas", "--all"])
        #expect(copy.status == 4, "\(copy.stdout)\(copy.stderr)")
        #expect(copy.stderr.contains("snapshot \(damaged) was not copied") && copy.stderr.contains("damaged"))
        let listed = Self.records(try bed.json(["list", "--remote", "nas"]))
        let there = listed.compactMap { ($0["record"] as? [String: Any])?["id"] as? String }
        #expect(there == [sound], "only the sound snapshot went: \(there)")
        #expect(try bed.snap(["verify", "--remote", "nas"]).status == 0, "nothing wrong was left there")
    }

    @Test func aBrokenAuditLogIsNotSentOffSite() throws {
        let bed = try OffsiteBed("audit-here")
        try bed.capture()
        let log = bed.store + "/audit.log"
        let text = try String(contentsOfFile: log, encoding: .utf8)
        try text.replacingOccurrences(of: "\"outcome\":\"ok\"", with: "\"outcome\":\"OK\"")
            .write(toFile: log, atomically: true, encoding: .utf8)
        let copy = try bed.snap(["copy", "--to", "nas", "--all"])
        #expect(copy.status == 4, "\(copy.stderr)")
        #expect(copy.stderr.contains("this store's audit log does not hold"), "\(copy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bed.nas + "/snapshots"), "nothing was sent")
    }

    @Test func anEmptiedRemoteIsRefusedUnlessReseeded() throws {
        let bed = try OffsiteBed("emptied")
        try bed.capture()
        #expect(try bed.snap(["copy", "--to", "nas", "--all"]).status == 0)
        try FileManager.default.removeItem(atPath: bed.nas)
        let refused = try bed.snap(["copy", "--to", "nas", "--all"])
        #expect(
            refused.status == 1 && refused.stderr.contains("holds nothing, though 1 snapshots"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--reseed"))
        let reseeded = try bed.snap(["copy", "--to", "nas", "--all", "--reseed"])
        #expect(reseeded.status == 0, "\(reseeded.stderr)")
        #expect(try bed.snap(["verify", "--remote", "nas"]).status == 0)
    }

    /// A store rebuilt from `nas` (bundles fetched on first use, with its temporary files on
    /// another file system) copies to `offsite`: what it sends it fetches first.
    @Test func aRebuiltStoreCopiesToAnotherRemote() throws {
        let bed = try OffsiteBed("rebuilt")
        try bed.capture(node: "manager_0")
        try bed.capture(node: "manager_1")
        #expect(try bed.snap(["copy", "--to", "offsite", "--all"]).status == 0)
        #expect(try bed.snap(["copy", "--to", "nas", "--all"]).status == 0)
        try FileManager.default.removeItem(atPath: bed.store)
        let rebuilt = try bed.snap(["init", "--from", "nas"], environment: ["TMPDIR": "/dev/shm"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        // The records name only the copy they came from, and no verdict of the old host.
        for record in Self.records(try bed.json(["list"])) {
            let copies = (record["copies"] as? [[String: Any]] ?? []).compactMap { $0["remote"] as? String }
            #expect(copies == ["nas"] && record["verification"] == nil, "\(record)")
        }
        // offsite emptied: the rebuilt store sends everything there, fetching each bundle from nas first.
        #expect(try bed.server.rclone(["purge", bed.remotePath]).status == 0)
        let copy = try bed.snap(["copy", "--to", "offsite", "--all"])
        #expect(copy.status == 0, "\(copy.stderr)")
        #expect(try bed.snap(["verify", "--remote", "offsite"]).status == 0)
        #expect(try bed.snap(["verify", "--all"]).status == 0)
        // --all fetches everything at once, also with temporary files elsewhere, into the
        // empty directory an operator made for the store.
        try FileManager.default.removeItem(atPath: bed.store)
        try FileManager.default.createDirectory(atPath: bed.store, withIntermediateDirectories: false)
        let all = try bed.snap(["init", "--from", "offsite", "--all"], environment: ["TMPDIR": "/dev/shm"])
        #expect(all.status == 0 && all.stdout.contains("2 bundles fetched"), "\(all.stdout)\(all.stderr)")
        let bundles = try FileManager.default.contentsOfDirectory(atPath: bed.store + "/bundles")
        #expect(bundles.filter { $0.hasSuffix(".tar.zst") }.count == 2 && !bundles.contains { $0.hasSuffix(".remote") })
        // Built beside the store and renamed into place: nothing of the build is left.
        let beside = try FileManager.default.contentsOfDirectory(atPath: bed.directory.path)
        #expect(!beside.contains { $0.hasPrefix(".tmp-") }, "\(beside)")
    }
}
