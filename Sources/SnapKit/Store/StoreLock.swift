import Foundation
import Glibc

/// Who holds a store lock; written into the lock file so waiters can name the holder.
public struct LockHolder: Codable, Sendable, Equatable {
    public var pid: Int32
    public var host: String
    public var user: String
    public var argv: [String]
    public var started: Date

    public init(pid: Int32, host: String, user: String, argv: [String], started: Date) {
        self.pid = pid
        self.host = host
        self.user = user
        self.argv = argv
        self.started = started
    }

    /// This process.
    public static func current(argv: [String], now: Date = Date()) -> LockHolder {
        LockHolder(pid: getpid(), host: ToolInfo.host, user: ToolInfo.user, argv: argv, started: now)
    }

    /// `pid 42 on host (snap create --all) since 2026-11-29T11:00:00Z`.
    public var summary: String {
        let since = UTCTime.format(started)
        return "pid \(pid) on \(host) as \(user) (\(argv.joined(separator: " "))) since \(since)"
    }
}

/// The store's writer lock: an exclusive `flock` on `STORE/lock`.
///
/// The kernel drops the lock when the holder dies, so a crashed snap never blocks the
/// next one. Owns the descriptor; releasing is `deinit` (or ``release()``).
public final class StoreLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { release() }

    /// Takes the lock, polling until `wait` seconds have passed.
    /// - Throws: ``StoreError/locked(path:holder:)`` naming the holder when it stays busy.
    public static func acquire(path: String, wait: Double, holder: LockHolder) throws -> StoreLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemError("open lock file", path, .last) }
        let deadline = Date().addingTimeInterval(max(wait, 0))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let failure = SystemError("lock", path, .last)
                close(fd)
                throw failure
            }
            if Date() >= deadline {
                let bytes = (try? FileOps.readFile(path)) ?? []
                close(fd)
                let decoded = try? JSONCoding.decoder().decode(LockHolder.self, from: Data(bytes))
                throw StoreError.locked(
                    path: (path as NSString).deletingLastPathComponent,
                    holder: decoded?.summary ?? "another process")
            }
            usleep(50_000)
        }
        let lock = StoreLock(fd: fd)
        if let bytes = try? JSONCoding.encode(holder, pretty: false) {
            ftruncate(fd, 0)
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return lock
    }

    /// Clears the holder note and drops the lock. Safe to call twice.
    public func release() {
        guard fd >= 0 else { return }
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }
}
