import Foundation
import SnapTestSupport
import Testing

/// The policy's `offsite`: `create` copies, `prune` applies `offsite.keep` to the remote,
/// `check` and the metrics watch the newest copy, and `cron`'s line does all of it.
@Suite struct OffsitePolicyTests {
    static func policy(_ bed: OffsiteBed, remote: String = "offsite", warn: String = "1h") throws -> String {
        let path = bed.directory("offsite.yaml")
        try """
        keep:
          last: 10
        schedule: "17 * * * *"
        offsite:
          remote: \(remote)
          warn: \(warn)
          keep:
            last: 2
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func createCopiesAndPruneAppliesTheRemotesOwnKeep() throws {
        let bed = try OffsiteBed("policy")
        let policy = try Self.policy(bed)
        var ids: [String] = []
        for index in 0..<4 {
            let extra = Data((0..<4096).map { _ in UInt8.random(in: 0...255) })
            try extra.write(to: URL(fileURLWithPath: bed.mnesia + "/extra.bin"))
            let created = try bed.snap([
                "create", "--from-dir", bed.mnesia, "--node", "manager_0", "--policy", policy, "--prune", "--json",
            ])
            #expect(created.status == 0, "capture \(index): \(created.stderr)")
            let records = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [[String: Any]]
            ids.append(try #require(records?.first?["id"] as? String))
        }
        // Every capture went off site as it was made; the remote keeps the 2 newest.
        let local = try #require(try bed.json(["list"]) as? [[String: Any]])
        #expect(local.count == 4, "the store keeps 10")
        let remote = try #require(try bed.json(["list", "--remote", "offsite"]) as? [[String: Any]])
        let there = remote.compactMap { ($0["record"] as? [String: Any])?["id"] as? String }
        #expect(Set(there) == Set(ids.suffix(2)), "\(there)")
        // The records of the ones pruned there say so, and `copy --all` does not send them back.
        for record in local {
            let copy = (record["copies"] as? [[String: Any]])?.first { $0["remote"] as? String == "offsite" }
            let kept = ids.suffix(2).contains(record["id"] as? String ?? "")
            #expect(copy != nil, "\(record["id"] ?? "") was copied")
            #expect((copy?["pruned"] != nil) == !kept, "\(record["id"] ?? "")")
        }
        let again = try #require(try bed.json(["copy", "--to", "offsite", "--all"]) as? [String: Any])
        #expect((again["copied"] as? [String])?.isEmpty == true, "\(again)")
        // Only the remote's own bundles remain there.
        let objects = try bed.remoteObjects()
        #expect(objects.keys.filter { $0.hasSuffix(".tar.zst") }.count == 2, "\(objects.keys.sorted())")
        #expect(try bed.snap(["verify", "--remote", "offsite"]).status == 0)
        let history = try bed.snap(["history", "--action", "prune-offsite"]).stdout
        #expect(history.contains(ids[0]) || history.contains(String(ids[0].prefix(8))), "\(history)")

        // A dry run shows the remote's decisions, marked in JSON.
        let dry = try #require(try bed.json(["prune", "--policy", policy, "--dry-run"]) as? [[String: Any]])
        #expect(dry.filter { $0["remote"] as? String == "offsite" }.count == 2)
        #expect(dry.filter { $0["remote"] == nil }.count == 4)
        // cron's line says what each run does off site.
        let cron = try bed.snap(["cron", "--policy", policy])
        #expect(
            cron.stdout.contains("copies each new snapshot to remote offsite and prunes remote offsite"),
            "\(cron.stdout)")
    }

    @Test func checkAndMetricsWatchTheNewestCopy() throws {
        let bed = try OffsiteBed("watch")
        let policy = try Self.policy(bed, remote: "nas", warn: "1h")
        try bed.capture()
        // Nothing copied yet: WARNING naming the remote.
        let before = try bed.snap(["check", "--policy", policy])
        #expect(before.status == 1 && before.stdout.contains("no copy on remote nas"), "\(before.stdout)")
        #expect(try bed.snap(["verify", "--all"]).status == 0)
        #expect(try bed.snap(["copy", "--to", "nas", "--all"]).status == 0)
        let metrics = bed.directory("snap.prom")
        let after = try bed.snap(["check", "--policy", policy, "--metrics", metrics])
        #expect(after.status == 0 && after.stdout.contains("newest on remote nas v1"), "\(after.stdout)")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("snap_last_offsite_timestamp_seconds{node=\"manager_0\",remote=\"nas\"} "), "\(text)")
        // A newer capture not copied yet, past the warning: the newest copy is too old.
        let stale = try Self.policy(bed, remote: "nas", warn: "1s")
        try bed.capture()
        sleep(2)
        let late = try bed.snap(["check", "--policy", stale, "--warn", "1h", "--crit", "2h"])
        #expect(late.status == 1 && late.stdout.contains("newest on remote nas v1"), "\(late.stdout)")
    }

    @Test func aFailedCopyNeverUndoesTheCapture() throws {
        let bed = try OffsiteBed("failed-copy", timeout: "3s")
        let policy = try Self.policy(bed)
        bed.server.stop()
        let created = try bed.snap(["create", "--from-dir", bed.mnesia, "--node", "manager_0", "--policy", policy])
        #expect(created.status == 1, "\(created.stderr)")
        #expect(created.stdout.contains("created "), "the capture is reported: \(created.stdout)")
        #expect(created.stderr.contains("but the copy to remote offsite failed"), "\(created.stderr)")
        #expect((try bed.json(["list"]) as? [[String: Any]])?.count == 1)
        try bed.server.start()
        // The short deadline was for the stopped server; a loaded machine needs the usual one.
        try bed.writeConfig()
        let copy = try bed.snap(["copy", "--to", "offsite", "--all"])
        #expect(copy.status == 0, "\(copy.stderr)")
    }
}
