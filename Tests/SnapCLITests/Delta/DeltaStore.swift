import Foundation
import SnapTestSupport
import Testing

/// A store whose captures of a Mnesia fixture go through a `delta:` policy: each capture
/// changes one table file a little (so the content changes but stays mostly the same) and
/// keeps a copy of what it captured, for extracts and hand decodes to be compared with.
final class DeltaStore: Sendable {
    let fixture: StoreFixture
    /// The policy file passed to every `create` (`--policy`).
    let policy: String

    /// - Parameters:
    ///   - maxChain: the policy's `delta.max_chain`.
    ///   - maxRatio: its `delta.max_ratio`; high enough by default that only `max_chain` ends a chain.
    init(_ label: String, maxChain: Int = 24, maxRatio: Double = 8, rows: Int = 200) throws {
        fixture = try StoreFixture(label, rows: rows)
        policy = fixture.directory("delta-policy.yaml")
        try Self.writePolicy(policy, maxChain: maxChain, maxRatio: maxRatio)
    }

    /// Writes a policy with `delta:`, `keep: {last: 2}` and a UTC calendar to `path`.
    static func writePolicy(_ path: String, maxChain: Int, maxRatio: Double) throws {
        let text = """
            delta:
              max_chain: \(maxChain)
              max_ratio: \(maxRatio)
            keep:
              last: 2
            timezone: UTC

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    var mnesia: String { fixture.mnesia }
    var store: String { fixture.store }

    /// Where the copy of the source of version `version` is kept.
    func source(_ version: Int) -> String { fixture.directory("sources/v\(version)") }

    /// Changes `leo_s3_users.DCL` a little: one byte in it flipped where `round` says, and a
    /// line appended.
    func change(_ round: Int) throws {
        let path = mnesia + "/leo_s3_users.DCL"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[(round * 7_919) % bytes.count] ^= 0x20
        bytes += Array("snap delta test: round \(round), a change the next capture carries\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// `create --from-dir` of the fixture's directory (and its dump) with the delta policy,
    /// `-v`: the new record as `create --json` prints it, and the log on stderr. A copy of
    /// the captured directory is kept at ``source(_:)``.
    func capture(node: String = "manager_0", extra: [String] = []) throws -> (
        record: [String: Any], log: String
    ) {
        let result = try fixture.snap(
            [
                "create", "--from-dir", mnesia, "--node", node, "--dump", fixture.dump, "--policy", policy, "--json",
                "-v",
            ] + extra)
        try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        let record = try #require(records?.first)
        let version = try #require(record["version"] as? Int)
        try FileManager.default.createDirectory(
            atPath: fixture.directory("sources"), withIntermediateDirectories: true)
        let copy = try ProcessRunner.run("/bin/cp", ["-a", mnesia, source(version)])
        try #require(copy.status == 0, "\(copy.stderr)")
        return (record, result.stderr)
    }

    /// `count` captures of manager_0, a ``change(_:)`` before each but the first.
    func chain(_ count: Int) throws -> [[String: Any]] {
        var records: [[String: Any]] = []
        for round in 0..<count {
            if round > 0 { try change(round) }
            records.append(try capture().record)
        }
        return records
    }

    /// The path of the bundle `record` (as `list --json` or `create --json` print it) names.
    func bundle(of record: [String: Any]) -> String {
        store + "/bundles/" + StoreFixture.bundleName(of: record)
    }

    /// Extracts `id` with snap into a new directory and checks that it is byte for byte
    /// the source of `version` (every file's SHA-256) and the fixture's dump.
    func expectExtractMatchesSource(_ id: String, version: Int) throws {
        let out = fixture.directory("extract-\(id)")
        let extract = try fixture.snap(["extract", id, "--to", out])
        try #require(extract.status == 0, "\(extract.stdout)\(extract.stderr)")
        #expect(
            try RestoreTests.relativeFingerprint(out + "/mnesia") == RestoreTests.relativeFingerprint(source(version)),
            "v\(version) (\(id)) extracts as something else than was captured")
        #expect(try Self.sha256(out + "/dump/mnesia.dump") == Self.sha256(fixture.dump))
    }

    /// `sha256sum`'s hash of the file at `path`.
    static func sha256(_ path: String) throws -> String {
        let result = try ProcessRunner.run("/usr/bin/sha256sum", [path])
        try #require(result.status == 0, "\(result.stderr)")
        return String(result.stdout.prefix(64))
    }

    /// `delta_base.snapshot` of a record, nil for a whole bundle.
    static func base(of record: [String: Any]) -> String? {
        (record["delta_base"] as? [String: Any])?["snapshot"] as? String
    }
}
