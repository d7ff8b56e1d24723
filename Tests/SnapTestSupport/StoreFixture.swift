import Foundation
import Testing

/// A store with a real Mnesia directory beside it, for end-to-end tests.
package final class StoreFixture: Sendable {
    package let directory: TemporaryDirectory
    package var store: String { directory("store") }
    package var mnesia: String { directory("mnesia") }
    package var dump: String { directory("mnesia.dump") }

    package init(_ label: String, rows: Int = 200) throws {
        directory = TemporaryDirectory(label)
        try MnesiaFixture.make(at: directory("mnesia"), rows: rows, dump: directory("mnesia.dump"))
        let result = try snap(["init"])
        try #require(result.status == 0, "\(result.stderr)")
    }

    /// Runs snap against this store (`--store` after the subcommand, as operators type it).
    @discardableResult
    package func snap(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try SnapBinary.run(arguments + ["--store", store], environment: environment, directory: directory.path)
    }

    /// Creates a snapshot of the fixture's Mnesia directory and returns its id.
    @discardableResult
    package func create(node: String = "manager_0", extra: [String] = []) throws -> String {
        let result = try snap(["create", "--from-dir", mnesia, "--node", node, "--dump", dump, "--json"] + extra)
        try #require(result.status == 0, "\(result.stderr)")
        let records = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(records?.first?["id"] as? String)
    }

    /// The JSON array `snap list --json` prints.
    package func list() throws -> [[String: Any]] {
        let result = try snap(["list", "--json"])
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    }

    package func bundles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: store + "/bundles").filter { $0.hasSuffix(".tar.zst") }
    }

    package func bundlePath(of id: String) throws -> String {
        let record = try #require(try list().first { $0["id"] as? String == id })
        return store + "/bundles/\(try #require(record["bundle_sha256"] as? String)).tar.zst"
    }
}
