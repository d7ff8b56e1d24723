import Foundation
import Glibc

/// Who holds a store lock; written into the lock file so waiters can name the holder.
package struct LockHolder: Codable, Sendable, Equatable {
    package var pid: Int32
    package var host: String
    package var user: String
    package var argv: [String]
    package var started: Date

    package init(pid: Int32, host: String, user: String, argv: [String], started: Date) {
        self.pid = pid
        self.host = host
        self.user = user
        self.argv = argv
        self.started = started
    }

    /// This process.
    package static func current(argv: [String], now: Date = Date()) -> LockHolder {
        LockHolder(pid: getpid(), host: ToolInfo.host, user: ToolInfo.user, argv: argv, started: now)
    }

    /// `pid 42 on host (snap create --all) since 2026-11-29T11:00:00Z`.
    package var summary: String {
        let since = UTCTime.format(started)
        return "pid \(pid) on \(host) as \(user) (\(argv.joined(separator: " "))) since \(since)"
    }
}

/// The store's writer lock: an exclusive `flock` on `STORE/lock`, which holds the holder's
/// note, and on the store directory itself.
///
/// The kernel drops the locks when the holder dies, so a crashed snap never blocks the
/// next one. The file lock is the documented one (an operator's `flock STORE/lock rsync ...`
/// keeps snap out); the directory lock means that deleting `STORE/lock` while a writer runs
/// lets no second writer in. Owns the descriptors; releasing is `deinit` (or ``release()``).
package final class StoreLock {
    private var directory: Int32
    private var file: Int32

    private init(directory: Int32, file: Int32) {
        self.directory = directory
        self.file = file
    }

    deinit { release() }

    /// Takes the lock, polling until `wait` seconds have passed.
    /// - Parameter path: `STORE/lock`.
    /// - Throws: ``StoreError/locked(path:holder:)`` naming the holder when it stays busy.
    static func acquire(path: String, wait: Double, holder: LockHolder) throws -> StoreLock {
        let store = FileOps.parent(of: path)
        let deadline = Date().addingTimeInterval(max(wait, 0))
        let directory = try lock(store, flags: O_RDONLY | O_DIRECTORY, until: deadline, note: path)
        let file: Int32
        do {
            file = try lock(path, flags: O_RDWR | O_CREAT, until: deadline, note: path)
        } catch {
            close(directory)
            throw error
        }
        let lock = StoreLock(directory: directory, file: file)
        if let bytes = try? JSONCoding.encode(holder, pretty: false) {
            ftruncate(file, 0)
            _ = bytes.withUnsafeBytes { pwrite(file, $0.baseAddress, $0.count, 0) }
        }
        return lock
    }

    /// Opens `path` and takes an exclusive `flock` on it, polling until `deadline`; when it
    /// stays busy, the holder is named from the note at `note`.
    private static func lock(_ path: String, flags: Int32, until deadline: Date, note: String) throws -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemError("open", path, .last) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let failure = SystemError("lock", path, .last)
                close(fd)
                throw failure
            }
            if Date() >= deadline {
                close(fd)
                let bytes = (try? FileOps.readFile(note)) ?? []
                let decoded = try? JSONCoding.decoder().decode(LockHolder.self, from: Data(bytes))
                throw StoreError.locked(
                    path: FileOps.parent(of: note), holder: decoded?.summary ?? "another process")
            }
            usleep(50_000)
            do {
                try Interruption.check(leaving: "it was still waiting for the store lock; nothing was changed")
            } catch {
                close(fd)
                throw error
            }
        }
        return fd
    }

    /// True until ``release()``.
    var isHeld: Bool { directory >= 0 }

    /// Clears the holder note and drops the lock. Safe to call twice.
    func release() {
        guard directory >= 0 else { return }
        ftruncate(file, 0)
        flock(file, LOCK_UN)
        close(file)
        flock(directory, LOCK_UN)
        close(directory)
        directory = -1
        file = -1
    }
}
