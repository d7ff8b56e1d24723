import Foundation
import SnapTestSupport
import Testing

/// The disaster drill: the backup host and its store are lost; a new one rebuilds the store
/// from the remote and restores the pair from it.
@Suite struct OffsiteDisasterTests {
    @Test func aStoreRebuiltFromTheRemoteRestoresThePair() throws {
        let pair = try StandinPair("drill")
        try pair.start()
        let server = try SeaweedServer("drill")
        let remote = "\(SeaweedServer.remoteName):\(server.bucket)/drill"
        let config = try String(contentsOfFile: pair.config, encoding: .utf8)
        try
            (config
            + "\nremotes:\n  - name: offsite\n    path: \"\(remote)\"\n    rclone_config: \(server.rcloneConfigPath)\n")
            .write(toFile: pair.config, atomically: true, encoding: .utf8)
        chmod(pair.config, 0o600)
        #expect(try pair.snap(["init"]).status == 0)
        _ = try pair.console(0, "create-user alice", "add-bucket photos 05236")
        let created = try pair.snap(["create", "--all"])
        try #require(created.status == 0, "\(created.stderr)")
        let snapshotState = try pair.console(0, "get-users", "get-buckets")
        #expect(try pair.snap(["copy", "--to", "offsite", "--all"]).status == 0)

        // The backup host is gone: its store with it. The cluster changes meanwhile.
        try FileManager.default.removeItem(atPath: pair.store)
        _ = try pair.console(0, "create-user mallory", "add-bucket junk 05236", "delete-user alice")
        #expect(try pair.console(0, "get-users", "get-buckets") != snapshotState)

        // A new backup host: the same snap.yaml, a fresh store directory.
        let fresh = pair.directory("store-rebuilt")
        try (try String(contentsOfFile: pair.config, encoding: .utf8))
            .replacingOccurrences(of: "store: \(pair.store)", with: "store: \(fresh)")
            .write(toFile: pair.config, atomically: true, encoding: .utf8)
        let rebuilt = try pair.snap(["init", "--from", "offsite"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(
            rebuilt.stdout.contains("2 snapshots") && rebuilt.stdout.contains("chain verified"), "\(rebuilt.stdout)")
        #expect(try pair.snap(["audit", "verify"]).status == 0)
        let restore = try pair.snap(["restore", "latest@manager_0", "--to", "manager_0", "--to", "manager_1", "--yes"])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        #expect(try pair.console(0, "get-users", "get-buckets") == snapshotState)
        #expect(try pair.console(1, "get-users", "get-buckets") == snapshotState)
        #expect(try pair.control(0, ["ping"]).status == 0 && pair.control(1, ["ping"]).status == 0)
        // The bundle came from the remote on first use, and the whole history is one chain:
        // the lost store's entries up to its copy (whose own entry the next copy would have
        // sent), then the new store's.
        let history = try pair.snap(["history"]).stdout
        #expect(
            history.contains(" create ") && history.contains(" init ") && history.contains(" restore "), "\(history)")
        #expect(try pair.snap(["verify", "--all"]).status == 0)
    }
}
