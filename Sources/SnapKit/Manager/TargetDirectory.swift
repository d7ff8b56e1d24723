import Foundation
import Glibc

/// A target's Mnesia directory as a restore found it, before anything moved: whether it
/// existed, and the owner and mode that every file put there must have (a manager running
/// as its own user cannot open files that came back as root's).
package struct TargetDirectory: Codable, Sendable, Equatable {
    /// False when the directory was missing (a lost directory is an ordinary Case 1).
    package var existed: Bool
    package var uid: UInt32
    package var gid: UInt32
    /// Permission bits (`0o755`).
    package var mode: UInt32
    /// Regular files and bytes that the rescue set aside (0 for a missing or empty one).
    package var files: Int
    package var bytes: Int64

    package init(existed: Bool, uid: UInt32, gid: UInt32, mode: UInt32, files: Int = 0, bytes: Int64 = 0) {
        self.existed = existed
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.files = files
        self.bytes = bytes
    }

    /// Reads `path`; a missing directory takes the owner and mode of its nearest existing
    /// parent (the manager's `work/mnesia` or its home), as a manager that creates it would.
    /// - Throws: ``SystemError`` when `path` or a parent cannot be read, or
    ///   ``RestoreCheckFailed`` when `path` is not a directory.
    static func survey(_ path: String) throws -> TargetDirectory {
        if let info = try FileOps.status(path) {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw RestoreCheckFailed(detail: "\(path) is not a directory; move it away and run the restore again")
            }
            let (files, bytes) = try contentSize(path)
            return TargetDirectory(
                existed: true, uid: info.st_uid, gid: info.st_gid, mode: UInt32(info.st_mode & 0o7777), files: files,
                bytes: bytes)
        }
        var parent = FileOps.parent(of: path)
        while !parent.isEmpty && parent != "/" {
            if let info = try FileOps.status(parent), (info.st_mode & S_IFMT) == S_IFDIR {
                return TargetDirectory(
                    existed: false, uid: info.st_uid, gid: info.st_gid, mode: UInt32(info.st_mode & 0o777))
            }
            parent = FileOps.parent(of: parent)
        }
        return TargetDirectory(existed: false, uid: geteuid(), gid: getegid(), mode: 0o755)
    }

    /// Regular files and their bytes under `path`.
    static func contentSize(_ path: String) throws -> (files: Int, bytes: Int64) {
        guard let info = try FileOps.status(path) else { return (0, 0) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            return try FileOps.listDirectory(path).reduce((0, 0)) { total, name in
                let inner = try contentSize(path + "/" + name)
                return (total.0 + inner.files, total.1 + inner.bytes)
            }
        case S_IFREG:
            return (1, Int64(info.st_size))
        default:
            return (0, 0)
        }
    }

    /// Makes `path` (and any missing parent) a directory with this owner and mode.
    /// - Throws: ``SystemError``.
    func makeDirectory(_ path: String) throws {
        let parent = FileOps.parent(of: path)
        if !parent.isEmpty && !FileOps.exists(parent) { try makeDirectory(parent) }
        if !FileOps.exists(path) {
            if mkdir(path, 0o700) != 0 && errno != EEXIST { throw SystemError("create directory", path, .last) }
        }
        try apply(to: path)
    }

    /// Gives `path` itself this owner and mode.
    func apply(to path: String) throws {
        if lchown(path, uid, gid) != 0 && geteuid() == 0 { throw SystemError("change the owner of", path, .last) }
        if chmod(path, mode_t(mode)) != 0 { throw SystemError("change the mode of", path, .last) }
    }

    /// `uid:gid mode` as the plan prints it.
    var ownerText: String { "\(uid):\(gid) \(String(mode, radix: 8))" }
}
