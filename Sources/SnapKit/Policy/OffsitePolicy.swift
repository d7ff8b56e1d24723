import Yams

/// A policy's `offsite:` section: which remote the captures go to, when, how long the remote
/// keeps them, and when `snap check` worries.
///
/// ```yaml
/// offsite:
///   remote: offsite      # a name under remotes: in snap.yaml
///   after_create: true   # snap create copies each new snapshot (default true)
///   warn: 26h            # snap check warns when a node's newest copy there is older
///   keep:                # what snap prune keeps on the remote (rules as in keep:);
///     daily: 30          # without it, prune leaves the remote alone
///     monthly: 24
/// ```
package struct OffsitePolicy: Sendable, Equatable {
    package var remote: String
    package var afterCreate: Bool
    package var keep: RetentionRules?
    package var warn: Double?

    static let keys = ["remote", "after_create", "warn", "keep"]

    /// - Parameter line: the line of the `offsite` key, for errors about the section as a whole.
    static func parse(_ node: Node, path: String, line: Int?) throws -> OffsitePolicy {
        guard let mapping = node.mapping else {
            throw PolicyError.invalid(path: path, line: line, key: "offsite", detail: "must be a mapping")
        }
        var policy = OffsitePolicy(remote: "", afterCreate: true, keep: nil, warn: nil)
        for (key, value) in mapping {
            let name = key.string ?? ""
            func fail(_ detail: String) -> PolicyError {
                .invalid(path: path, line: key.mark?.line, key: "offsite.\(name)", detail: detail)
            }
            switch name {
            case "remote":
                guard let remote = value.string, !remote.isEmpty else { throw fail("must name a remote of snap.yaml") }
                policy.remote = remote
            case "after_create":
                guard let flag = value.bool else { throw fail("must be true or false") }
                policy.afterCreate = flag
            case "warn":
                guard let text = value.string, let seconds = try? DurationText.seconds(text), seconds > 0 else {
                    throw fail("must be a duration like 26h")
                }
                policy.warn = seconds
            case "keep":
                policy.keep = try Policy.keepRules(value, path: path, parent: "offsite.keep", line: key.mark?.line)
            default:
                throw fail("unknown key; known: \(keys.joined(separator: ", "))")
            }
        }
        guard !policy.remote.isEmpty else {
            throw PolicyError.invalid(
                path: path, line: line, key: "offsite.remote", detail: "is missing: name a remote of snap.yaml")
        }
        return policy
    }
}
