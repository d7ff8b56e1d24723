import Foundation
import Testing

/// A store, a Mnesia directory to capture, and two off-site remotes for one test: `offsite`,
/// a bucket prefix on a SeaweedFS server of its own (real S3, signatures checked), and `nas`,
/// a local directory (rclone's `local` backend, which writes in place and so can leave
/// half-written files). snap runs with the bed's snap.yaml.
package final class OffsiteBed: Sendable {
    package let directory: TemporaryDirectory
    package let server: SeaweedServer
    /// The bucket prefix the `offsite` remote writes under.
    package let prefix = "cluster1"

    package var config: String { directory("snap.yaml") }
    package var store: String { directory("store") }
    package var mnesia: String { directory("mnesia") }
    package var nas: String { directory("nas") }
    /// The `offsite` remote's objects, as rclone names them with the server's config.
    package var remotePath: String { "\(SeaweedServer.remoteName):\(server.bucket)/\(prefix)" }

    /// - Parameters:
    ///   - extraRemote: more YAML for snap.yaml's `remotes:` list (another remote's entry).
    ///   - timeout: the remotes' deadline.
    package init(_ label: String, extraRemote: String = "", timeout: String = "15s") throws {
        directory = TemporaryDirectory("offsite-\(label)")
        server = try SeaweedServer(label)
        _ = try MnesiaFixture.make(at: directory("mnesia"), rows: 50)
        try writeConfig(extraRemote: extraRemote, timeout: timeout)
        let result = try snap(["init"])
        try #require(result.status == 0, "\(result.stderr)")
    }

    /// Writes snap.yaml (0600) with the store and the two remotes, `extraRemote` among them,
    /// and `extra` (more top-level YAML: an `encryption:` section) after them.
    package func writeConfig(
        extraRemote: String = "", timeout: String = "15s", rcloneConfig: String? = nil, extra: String = ""
    ) throws {
        let text = """
            store: \(store)
            remotes:
              - name: offsite
                path: "\(remotePath)"
                rclone_config: \(rcloneConfig ?? server.rcloneConfigPath)
                timeout: \(timeout)
              - name: nas
                path: \(nas)
                timeout: \(timeout)
            \(extraRemote)
            \(extra)
            """
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)
    }

    /// Runs snap with the bed's config.
    @discardableResult
    package func snap(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try SnapBinary.run(arguments + ["--config", config], environment: environment, directory: directory.path)
    }

    /// Starts snap with the bed's config without waiting for it.
    package func startSnap(_ arguments: [String]) throws -> RunningProcess {
        try SnapBinary.start(arguments + ["--config", config], directory: directory.path)
    }

    /// Captures the Mnesia directory with `bytes` of fresh random content beside it (so each
    /// capture is a new bundle of about that size) and returns the snapshot's id.
    @discardableResult
    package func capture(node: String = "manager_0", bytes: Int = 64 * 1024) throws -> String {
        var random = SystemRandomNumberGenerator()
        let content = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &random) })
        try content.write(to: URL(fileURLWithPath: mnesia + "/extra.bin"))
        let result = try snap(["create", "--from-dir", mnesia, "--node", node, "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(records?.first?["id"] as? String)
    }

    /// A command's JSON output.
    package func json(_ arguments: [String]) throws -> Any {
        let result = try snap(arguments + ["--json"])
        try #require(result.status == 0, "\(arguments): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// The paths of the objects under the `offsite` remote's prefix, with their sizes.
    package func remoteObjects() throws -> [String: Int] {
        let result = try server.rclone(["lsjson", "-R", "--files-only", remotePath])
        guard result.status == 0 else { return [:] }
        let items = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
        return Dictionary(
            uniqueKeysWithValues: items.compactMap { item in
                (item["Path"] as? String).map { ($0, item["Size"] as? Int ?? -1) }
            })
    }
}
