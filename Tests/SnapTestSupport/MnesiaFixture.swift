import Foundation

/// Real Mnesia directories made by Erlang/OTP (`Tests/Testbed/mnesia-fixture`).
package enum MnesiaFixture {
    /// Creates a Mnesia directory at `directory` with `rows` users, buckets and
    /// credentials, under a node name unique to this call, and a dump when asked.
    /// - Returns: the node name baked into the schema.
    @discardableResult
    package static func make(at directory: String, rows: Int = 500, dump: String? = nil, seed: Int = 1) throws -> String
    {
        let node = "fixture_\(UUID().uuidString.prefix(8).lowercased())@127.0.0.1"
        var arguments = [directory, node, String(rows)]
        if let dump { arguments += [dump, String(seed)] }
        let result = try ProcessRunner.run(PackagePaths.mnesiaFixture, arguments)
        guard result.status == 0 else {
            throw FixtureError(message: "mnesia-fixture failed (\(result.status)): \(result.stderr)\(result.stdout)")
        }
        return node
    }
}

/// A fixture could not be made.
package struct FixtureError: Error, CustomStringConvertible {
    package var message: String
    package init(message: String) { self.message = message }
    package var description: String { message }
}
