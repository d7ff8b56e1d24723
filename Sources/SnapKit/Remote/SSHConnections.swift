import Foundation
import Glibc

/// The OpenSSH connections of one run of snap: one multiplexed master per host
/// (ControlMaster), its socket in a private 0700 directory that goes, with the masters, when
/// snap exits.
package final class SSHConnections: @unchecked Sendable {
    // Every field is guarded by `lock`.
    package static let shared = SSHConnections()

    /// Seconds an idle master waits for another session before it exits on its own: what is
    /// left after snap was killed goes away by itself.
    static let persistSeconds = 30

    private let lock = NSLock()
    private var directory: String?
    private var masters: [String: [String]] = [:]

    /// The control socket directory, made on first use.
    func controlDirectory() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let directory { return directory }
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        Self.removeStale(in: base)
        let path = base + "/" + Self.prefix + "\(getpid())-" + FileOps.randomHex(bytes: 4)
        guard mkdir(path, 0o700) == 0 else { throw SystemError("make directory", path, .last) }
        directory = path
        atexit { SSHConnections.shared.closeAll() }
        return path
    }

    /// How control directories are named: the prefix, the pid of the snap that made it, a
    /// random part.
    static let prefix = "snap-ssh-"

    /// Removes the control directories of this user's snaps that are gone (killed before
    /// their exit could remove them; their masters exit on their own once idle).
    static func removeStale(in base: String) {
        for name in (try? FileOps.listDirectory(base)) ?? [] where name.hasPrefix(prefix) {
            let path = base + "/" + name
            guard let pid = name.dropFirst(prefix.count).split(separator: "-").first.flatMap({ Int32($0) }),
                kill(pid, 0) != 0 && errno == ESRCH, (try? FileOps.status(path))??.st_uid == geteuid()
            else { continue }
            try? FileOps.removeTree(path)
        }
    }

    /// Remembers the options that reach a master, to stop it at exit.
    func register(_ key: String, options: [String]) {
        lock.lock()
        defer { lock.unlock() }
        masters[key] = options
    }

    /// Stops every master and removes the socket directory.
    package func closeAll() {
        lock.lock()
        let (masters, directory) = (self.masters, self.directory)
        self.masters = [:]
        self.directory = nil
        lock.unlock()
        for options in masters.values {
            _ = try? CommandRunner().run(["/usr/bin/ssh", "-O", "exit"] + options, timeout: 10)
        }
        if let directory { try? FileOps.removeTree(directory) }
    }
}
