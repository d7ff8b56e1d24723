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

    /// The bundle files of the store, plain (`.tar.zst`) and encrypted (`.tar.zst.age`).
    package func bundles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: store + "/bundles").filter {
            $0.hasSuffix(".tar.zst") || $0.hasSuffix(".tar.zst.age")
        }
    }

    package func bundlePath(of id: String) throws -> String {
        let record = try #require(try list().first { $0["id"] as? String == id })
        return store + "/bundles/" + Self.bundleName(of: record)
    }

    /// The file name of the bundle a record (as `list --json` prints it) names.
    package static func bundleName(of record: [String: Any]) -> String {
        let sha = record["bundle_sha256"] as? String ?? "-"
        return sha + (record["encryption"] is [String: Any] ? ".tar.zst.age" : ".tar.zst")
    }

    /// Writes `snap.yaml` beside the store (mode 0600), which snap then reads: it runs in
    /// this directory.
    package func writeConfig(_ text: String) throws {
        let path = directory("snap.yaml")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// Writes `snap.yaml` with an `encryption:` section.
    package func encrypt(to recipients: [String], identity: String?) throws {
        var text = "encryption:\n  recipients: [\(recipients.joined(separator: ", "))]\n"
        if let identity { text += "  identity: \(identity)\n" }
        try writeConfig(text)
    }

    /// A new age identity made by `snap key generate` in this directory, and its recipient.
    package func generateKey(_ name: String) throws -> (path: String, recipient: String) {
        let path = directory(name)
        let result = try snap(["key", "generate", path])
        try #require(result.status == 0, "\(result.stderr)")
        return (path, result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
