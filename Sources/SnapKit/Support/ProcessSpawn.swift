import Glibc

/// Starting a program with `posix_spawn` in a process group of its own, so that a
/// terminal's Ctrl-C reaches snap (which stops at a safe point) and not the child, and a
/// whole tree can be killed at once.
enum ProcessSpawn {
    /// Spawns `arguments[0]` with `environment` (`KEY=value`; nil: snap's own), after
    /// `redirect` set up the child's descriptors.
    /// - Returns: the child's pid, or the `posix_spawn` error number.
    static func inNewGroup(
        _ arguments: [String], environment: [String]? = nil,
        redirect: (inout posix_spawn_file_actions_t) -> Void
    ) -> Result<pid_t, SpawnFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        redirect(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned =
            envp.map { posix_spawn(&pid, arguments[0], &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        return spawned == 0 ? .success(pid) : .failure(SpawnFailure(code: spawned))
    }
}

/// Why `posix_spawn` failed.
struct SpawnFailure: Error {
    var code: Int32

    var reason: String { String(cString: strerror(code)) }
}

extension ProcessSpawn {
    /// The first executable `name` on `path` (a `PATH` value), or nil; a name with a slash
    /// is returned as it is.
    static func locate(_ name: String, path: String?) -> String? {
        guard !name.contains("/") else { return name }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
