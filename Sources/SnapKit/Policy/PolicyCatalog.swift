import Foundation

/// Where policies are found by name, and which policy a run uses.
package struct PolicyCatalog: Sendable {
    /// Searched in order for `<name>.yaml`.
    package var directories: [String]

    package init(directories: [String]) {
        self.directories = directories
    }

    /// `$SNAP_POLICY_DIR`, `policies/` beside the config file, `/etc/snap/policies`, and the
    /// `policies/` shipped with this build (the first one above the executable).
    package static func standard(configPath: String?, environment: [String: String]) -> PolicyCatalog {
        var directories: [String] = []
        if let directory = environment["SNAP_POLICY_DIR"] { directories.append(directory) }
        if let configPath {
            // `snap.yaml` found in the working directory has no parent in its path.
            let parent = FileOps.parent(of: configPath)
            directories.append((parent.isEmpty ? "." : parent) + "/policies")
        }
        directories.append("/etc/snap/policies")
        var url = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("policies").path
            if FileOps.exists(candidate + "/default.yaml") {
                directories.append(candidate)
                break
            }
            url.deleteLastPathComponent()
        }
        return PolicyCatalog(directories: directories)
    }

    /// The policy named `nameOrPath` (a name looked up in ``directories``, or a file path).
    /// - Throws: ``PolicyError``.
    package func load(_ nameOrPath: String) throws -> Policy {
        try Policy.load(nameOrPath, searchDirectories: directories)
    }

    /// The policy a run uses: the one `named` for this run, else the one `configured` in
    /// snap.yaml, else `default`; each must load.
    /// - Throws: ``PolicyError``: not found, or a file that does not parse.
    func choose(named: String?, configured: String?) throws -> Policy {
        try load(named ?? configured ?? "default")
    }

    /// ``choose(named:configured:)`` for a run that can do without one: a policy named
    /// either way must load, `default` is used only when it does.
    func chooseIfAny(named: String?, configured: String?) throws -> Policy? {
        if let name = named ?? configured { return try load(name) }
        return try? load("default")
    }
}
