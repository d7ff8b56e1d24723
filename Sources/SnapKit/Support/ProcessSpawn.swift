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

/// A child started with its standard output and error on socket pairs of ours (read ends),
/// and standard input from /dev/null, or from a socket pair whose other end only snap holds. The
/// caller closes ``descriptors`` and ``stdinWriter``.
struct CapturedChild {
    var pid: pid_t
    /// The read ends of the child's stdout and stderr.
    var descriptors: [Int32]
    /// The write end of the child's standard input, when it was asked for: it closes when
    /// snap ends, however it ends (SIGKILL included), so a child that watches its input
    /// for the end of file can end with it.
    var stdinWriter: Int32?

    /// Spawns `arguments` in a new process group (``ProcessSpawn/inNewGroup(_:environment:redirect:)``).
    ///
    /// The socket pairs are made close-on-exec atomically: no other thread's child can inherit
    /// them, and only the dup2'd copies survive in ours. A leaked write end would keep a read
    /// waiting for as long as a daemon the child started lives.
    /// - Parameter directory: the child's working directory, if not ours.
    /// - Parameter stdinPipe: give the child a socket for standard input (``stdinWriter``).
    static func spawn(
        _ arguments: [String], environment: [String]?, directory: String? = nil, stdinPipe: Bool = false
    ) -> Result<CapturedChild, SpawnFailure> {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, kind, 0, &outPipe) == 0 else { return .failure(SpawnFailure(code: errno)) }
        guard socketpair(AF_UNIX, kind, 0, &errPipe) == 0 else {
            let code = errno
            outPipe.forEach { close($0) }
            return .failure(SpawnFailure(code: code))
        }
        if stdinPipe {
            guard socketpair(AF_UNIX, kind, 0, &inPipe) == 0 else {
                let code = errno
                (outPipe + errPipe).forEach { close($0) }
                return .failure(SpawnFailure(code: code))
            }
        }
        let spawned = ProcessSpawn.inNewGroup(arguments, environment: environment) { actions in
            if stdinPipe {
                posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
            } else {
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            }
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
            if let directory { _ = spawnAddChdir(&actions, directory) }
        }
        close(outPipe[1])
        close(errPipe[1])
        if stdinPipe { close(inPipe[0]) }
        switch spawned {
        case .success(let pid):
            return .success(
                CapturedChild(
                    pid: pid, descriptors: [outPipe[0], errPipe[0]], stdinWriter: stdinPipe ? inPipe[1] : nil))
        case .failure(let failure):
            close(outPipe[0])
            close(errPipe[0])
            if stdinPipe { close(inPipe[1]) }
            return .failure(failure)
        }
    }
}

/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which Glibc does not export to Swift.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>)
    -> Int32
